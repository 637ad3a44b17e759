"""The calibration, the learned layer and the training service, on real components.

The comments below are written for these tests (none comes from the real dev set or the pool).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import pytest

from alumusic.classification.learned import ArtefactError, LearnedLayer, own_set
from alumusic.classification.offline import RULES_VERSION, Calibration, OfflineClassifier
from alumusic.classification.offline_rules import analyse, decide
from alumusic.classification.training import (
    MIN_HELD_OUT,
    error_capture,
    evaluate_candidate,
    expected_calibration_error,
    gate,
    score,
    split_held_out,
    train_candidate,
)

# A construct the rules get wrong: saying a song puts a child to sleep is praise on a children's
# channel; the rules read it as a personal story (OUTRO).
SLEEP_CORRECTIONS = [
    "meu bebê dorme ouvindo essa música",
    "minha filha só dorme com esse vídeo",
    "meu filho para de chorar quando toca essa",
    "minha sobrinha se acalma com essa música",
    "meu neto dorme ouvindo isso todo dia",
    "meu bebe so dorme assim",
    "minha filha dorme rapidinho com esse video",
]
SLEEP_UNSEEN = ["minha bebê dorme ouvindo esse vídeo", "meu sobrinho dorme com essa musica"]


@pytest.fixture(scope="module")
def layer() -> LearnedLayer:
    return train_candidate([(t, "ELOGIO") for t in SLEEP_CORRECTIONS], versao="m0007")


# --- calibration --------------------------------------------------------------------------------
def test_calibration_fit_reproduces_group_frequencies_on_a_constructed_set():
    """Two kinds of decision, told apart by their category: 'no rule fired' OUTRO right 3 times
    in 10, a clear ELOGIO right 9 times in 10. Almost unregularised, the logistic fit must give
    back those frequencies (by hand: 0.3 and 0.9), lower for the weak evidence."""
    weak = decide(analyse("asdf qwer"))
    strong = decide(analyse("que música linda"))
    assert weak.categoria == "OUTRO" and weak.signals.no_rule
    assert strong.categoria == "ELOGIO" and not strong.signals.no_rule
    decisions = [weak] * 10 + [strong] * 10
    right = [True] * 3 + [False] * 7 + [True] * 9 + [False]
    cal = Calibration.fit(decisions, right, C=1e4)
    assert cal(weak) == pytest.approx(0.3, abs=0.01)
    assert cal(strong) == pytest.approx(0.9, abs=0.01)
    # round trip through the data file's format
    again = Calibration.from_dict(cal.to_dict())
    assert again(weak) == pytest.approx(cal(weak)) and again(strong) == pytest.approx(cal(strong))


def test_calibration_with_a_single_outcome_is_a_smoothed_constant():
    d = decide(analyse("que música linda"))
    cal = Calibration.fit([d] * 8, [True] * 8)
    assert cal(d) == pytest.approx(9 / 10)


def test_metrics_by_hand():
    # 10 answers, 3 wrong; the lowest 20% = the two at 0.1 (one wrong) -> 1/3 of the errors
    conf = [0.1, 0.1, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 0.95, 0.99]
    right = [False, True, False, True, True, True, True, False, True, True]
    assert error_capture(conf, right) == pytest.approx(1 / 3)
    # ties at the cut count pro rata: 4 items at 0.5 (2 wrong), the cut takes 2 of them
    assert error_capture([0.5] * 4 + [0.9] * 6, [False, False, True, True] + [True] * 6) == pytest.approx(0.5)
    assert error_capture([0.3, 0.9], [True, True]) == 1.0
    # ECE: bin [0.1, 0.2) two items, acc 0.5 vs 0.1; etc.
    assert expected_calibration_error([0.15, 0.15], [True, False]) == pytest.approx(0.35)


# --- learned layer ------------------------------------------------------------------------------
def test_a_correction_changes_the_next_classification_of_a_similar_comment(layer):
    rules = OfflineClassifier()
    for texto in SLEEP_UNSEEN:
        assert str(rules.classify(texto).categoria) == "OUTRO"  # the rules get it wrong
    learned = OfflineClassifier(learned=layer)
    for texto in SLEEP_UNSEEN:
        assert texto not in SLEEP_CORRECTIONS
        result = learned.classify(texto)
        assert str(result.categoria) == "ELOGIO", texto
        assert result.confianca_fonte == "calibrada"
    # what the corrections did not touch stays as it was
    for texto, expected in [("boa noite gente", "OUTRO"), ("Vem fazer show em Belém por favor!", "SUGESTÃO"),
                            ("Qual o nome da música que toca no final do clipe?", "DÚVIDA"),
                            ("música horrível", "CRÍTICA"), ("acesse www.ganhe.com e ganhe dinheiro", "SPAM")]:
        assert str(learned.classify(texto).categoria) == expected, texto


def test_provenance_names_rules_and_model(layer):
    clf = OfflineClassifier(taxonomy=["voz_timbre"], learned=layer)
    r = clf.classify("A voz dela é linda e o clipe tem uma fotografia incrível")
    assert r.proveniencia.versao == f"offline-{RULES_VERSION}+m0007"
    assert str(r.categoria) == "ELOGIO"
    assert [t.codigo for t in r.tags_funcionalidades] == ["voz_timbre"]  # tags: rules, within the taxonomy


def test_round_trip_bytes(layer):
    data = layer.to_bytes()
    assert isinstance(data, bytes) and len(data) > 1000 and data.startswith(b"PK")  # a skops archive
    back = LearnedLayer.from_bytes(data)
    assert back.versao == "m0007"
    texts = [*SLEEP_UNSEEN, "que música linda", "kkkkk", "", "a" * 3000]
    assert back.predict_many(texts) == layer.predict_many(texts)


class _Planted:
    """What an attacker with write access to modelos_classificador would plant: unpickling it (or
    rebuilding it) writes a file."""

    target = ""

    def __reduce__(self):
        return (pathlib.Path.write_text, (pathlib.Path(self.target), "executado"))

    def __setstate__(self, state):
        pathlib.Path(state["target"]).write_text("executado")


def test_a_pickle_in_place_of_an_artefact_is_refused_and_never_run(tmp_path):
    import io

    import joblib

    planted = _Planted()
    planted.target = str(tmp_path / "pwned")
    buf = io.BytesIO()
    joblib.dump(planted, buf)
    with pytest.raises(ArtefactError, match="skops"):
        LearnedLayer.from_bytes(buf.getvalue())
    assert not (tmp_path / "pwned").exists()


def test_a_skops_file_with_an_untrusted_type_is_refused_and_never_built(tmp_path, layer):
    import skops.io as sio

    planted = _Planted()
    planted.target = str(tmp_path / "pwned")
    planted.__dict__["target"] = planted.target
    for payload in (planted, {"modelo": layer, "extra": planted}):
        with pytest.raises(ArtefactError, match="não confiáveis"):
            LearnedLayer.from_bytes(sio.dumps(payload))
    assert not (tmp_path / "pwned").exists()


def test_other_skops_files_and_damaged_archives_are_refused(layer):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    for data in (sio.dumps({"not": "a model"}), sio.dumps(LogisticRegression()),
                 layer.to_bytes()[:5000], b"PK\x03\x04" + b"\x00" * 64, b""):
        with pytest.raises(ArtefactError):
            LearnedLayer.from_bytes(data)


def test_confidence_in_range(layer):
    # Its latency is a benchmark figure (bench/classify_dag.py), not a timed assertion here.
    clf = OfflineClassifier(learned=layer)
    for texto in ["que lindo", "oi", "?!?!", "🎵🎵🎵", "MUITO RUIM", "quando sai o cd?", "", " " * 50, "a" * 5000]:
        r = clf.classify(texto)
        assert 0.0 <= r.confianca <= 1.0


def test_training_is_deterministic():
    labels = [(t, "ELOGIO") for t in SLEEP_CORRECTIONS] + [("que chato esse video", "CRÍTICA")]
    a = train_candidate(labels, versao="m0001")
    b = train_candidate(labels, versao="m0001")
    texts = ["meu filho dorme ouvindo", "que chato", "lança o cd logo"]
    assert a.predict_many(texts) == b.predict_many(texts)
    assert a.n_base == len(own_set()) and a.n_stream == len(labels)


def test_unknown_category_is_refused():
    with pytest.raises(ValueError):
        LearnedLayer.train([("oi", "ELOGIOS")], versao="m0001", base=[])


# --- training service -----------------------------------------------------------------------------
@dataclass(frozen=True)
class L:
    comentario_id: str
    texto: str
    categoria: str


def test_split_held_out_is_deterministic_by_comment_id():
    labels = [L(f"c{i}", f"texto {i}", "OUTRO") for i in range(1000)]
    train, held = split_held_out(labels)
    assert 150 <= len(held) <= 250 and len(train) + len(held) == 1000
    # the same comment is held out whatever the other labels are
    _, held_again = split_held_out(list(reversed(labels[:500])))
    assert {x.comentario_id for x in held_again} == {x.comentario_id for x in held if int(x.comentario_id[1:]) < 500}


def test_gate_never_promotes_a_worse_model():
    cur = {"n": 50, "accuracy": 0.80, "ece": 0.05, "error_capture": 0.4}
    assert gate({**cur, "accuracy": 0.84, "ece": 0.06}, cur)[0] is True
    promote, reason = gate({**cur, "accuracy": 0.78}, cur)
    assert promote is False and "acurácia menor" in reason
    promote, reason = gate({**cur, "accuracy": 0.85, "ece": 0.09}, cur)
    assert promote is False and "calibração pior" in reason
    assert gate({**cur, "n": 0}, cur)[0] is False
    promote, reason = gate({**cur, "base": "conjunto_proprio_cv", "held_out": 3}, cur)
    assert "validação cruzada" in reason and f"mínimo {MIN_HELD_OUT}" in reason


def test_score_reports_the_gate_metrics(layer):
    held = [("minha bebê dorme ouvindo esse vídeo", "ELOGIO"), ("boa noite gente", "OUTRO"),
            ("música horrível", "CRÍTICA")]
    s = score(layer, held)
    assert s["n"] == 3 and s["accuracy"] == 1.0 and set(s) >= {"ece", "error_capture"}
    rules = score(None, held)
    assert rules["accuracy"] == pytest.approx(2 / 3, abs=1e-3)


def test_evaluate_candidate_falls_back_with_few_held_out_labels():
    labels = [L(f"id-{i}", t, "ELOGIO") for i, t in enumerate(SLEEP_CORRECTIONS)]
    ev = evaluate_candidate(labels, versao="m0002", current=None)
    assert ev.held_out < MIN_HELD_OUT and ev.trained_on + ev.held_out == len(labels)
    assert ev.candidate_scores["base"] == "conjunto_proprio_cv"
    assert ev.candidate_scores["n"] == len(own_set())
    assert "validação cruzada" in ev.reason
    assert ev.metrics()["candidato"] == ev.candidate_scores


# --- the confidence step reads the text model ------------------------------------------------------
def test_confidence_is_lower_when_the_text_model_disagrees_with_the_answer(layer):
    """Same combined answer, same rules' decision: a text model that votes for another category
    (the strongest sign of an error the learned layer has) must give a lower P(right)."""
    import numpy as np

    decision = decide(analyse("minha bebê dorme ouvindo esse vídeo"))
    classes = layer.classes
    proba = np.full((1, len(classes)), 0.1 / (len(classes) - 2))
    proba[0, classes.index("ELOGIO")], proba[0, classes.index("OUTRO")] = 0.6, 0.3  # a hesitant answer
    agreeing, disagreeing = np.zeros_like(proba), np.zeros_like(proba)
    agreeing[0, classes.index("ELOGIO")] = disagreeing[0, classes.index("OUTRO")] = 0.8
    agreeing[0, classes.index("OUTRO")] = disagreeing[0, classes.index("ELOGIO")] = 0.2
    assert layer.confidence_features == 2

    def p_right(text_proba):
        F = LearnedLayer._confidence_matrix(proba, [decision], classes, text_proba, layer.confidence_features)
        return float(layer.confidence.predict_proba(F)[0, 1])

    assert p_right(agreeing) > p_right(disagreeing) + 0.02


def test_an_artefact_from_before_the_text_model_fed_the_confidence_still_predicts(monkeypatch):
    """Models stored in modelos_classificador before CONFIDENCE_FEATURES existed were pickled
    without the field: they must load and keep reading the confidence features they were
    fitted on (a backfill with the active model must not break on upgrade)."""
    from alumusic.classification import learned

    monkeypatch.setattr(learned, "CONFIDENCE_FEATURES", 1)
    old = train_candidate([(t, "ELOGIO") for t in SLEEP_CORRECTIONS], versao="m0003")
    del old.__dict__["confidence_features"]  # as an instance pickled by the old class
    assert old.confidence.n_features_in_ == 6
    monkeypatch.undo()
    back = LearnedLayer.from_bytes(old.to_bytes())
    assert back.confidence_features == 1
    texts = [*SLEEP_UNSEEN, "que música linda", "boa noite gente"]
    got = back.predict_many(texts)
    assert [c for c, _ in got[:2]] == ["ELOGIO", "ELOGIO"]
    assert all(0.02 <= p <= 0.99 for _, p in got)
    new = train_candidate([(t, "ELOGIO") for t in SLEEP_CORRECTIONS], versao="m0004")
    assert new.confidence_features == 2 and new.confidence.n_features_in_ == 8
