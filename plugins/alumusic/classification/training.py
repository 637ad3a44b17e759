"""Training the learned layer on curators' labels, and the gate a new model must pass.

No SQL here: the ``train_classifier`` DAG reads labels with ``repositories.labels.manual_labels``,
calls these functions and stores the outcome with ``repositories.models``. The usual run:

    labels = manual_labels(conn)                                # Label(classificacao_id, comentario_id, texto, categoria)
    current = models.active(conn)                               # (versao, artefato) | None
    ev = evaluate_candidate(labels, versao=models.next_version(conn),
                            current=LearnedLayer.from_bytes(current[1]) if current else None)
    models.save_candidate(conn, ev.candidate.versao, ev.candidate.to_bytes(), ev.trained_on,
                          newest_label_id(conn), ev.metrics())
    if ev.promote: models.promote(conn, ev.candidate.versao, por="train_classifier", motivo=ev.reason)
    else:          models.refuse(conn, ev.candidate.versao, motivo=ev.reason)

Rules of the gate:

- **held out, never trained on**: ``split_held_out`` keeps ``HELD_OUT_SHARE`` of the labels out of
  training, chosen by a hash of the comment id, so a comment is held out in every run and no
  model (current or candidate) ever trained on it;
- both models are scored on the held-out labels (``score``: accuracy, ECE, error capture);
- ``gate`` promotes only a candidate whose accuracy is not lower and whose ECE is not worse by
  more than ``ECE_TOLERANCE``;
- **fallback** with fewer than ``MIN_HELD_OUT`` held-out labels (fewer than ~100 labels in all):
  both are scored on the project's own set, the candidate cross-validated (each fold scored by a
  model trained without it, on the rest of the own set plus the training labels) and the current
  one as it is (rules: written with that set; an active model: trained on all of it). That
  favours the current classifier, so a candidate rarely wins there: promotion waits for labels.
  The reason says which basis was used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from alumusic.classification.learned import OWN_SET_FILE, LearnedLayer, own_set
from alumusic.classification.offline import OfflineClassifier

__all__ = ["OWN_SET_FILE", "Evaluation", "evaluate_candidate", "gate", "own_set", "score", "split_held_out",
           "train_candidate"]
HELD_OUT_SHARE = 0.2
MIN_HELD_OUT = 20
ECE_TOLERANCE = 0.02
CAPTURE_SHARE = 0.2  # error capture: share of the errors among the lowest-confidence 20%
FALLBACK_FOLDS = 5
HELD_OUT = "rotulos_separados"
OWN_SET_CV = "conjunto_proprio_cv"


class LabelLike(Protocol):
    comentario_id: Any
    texto: str
    categoria: str


def train_candidate(labels: Sequence[tuple[str, str]], *, versao: str, seed: int = 0) -> LearnedLayer:
    """A learned layer trained on the own set plus ``labels`` (``(texto, categoria)``)."""
    return LearnedLayer.train([(str(t), str(c)) for t, c in labels], versao=versao, seed=seed)


def held_out_key(comentario_id: Any) -> float:
    """A comment's place in [0, 1): the same for every run, whatever the other labels."""
    digest = hashlib.sha256(str(comentario_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def split_held_out(labels: Sequence[LabelLike], share: float = HELD_OUT_SHARE) -> tuple[list, list]:
    """(train, held_out): a comment is held out when ``held_out_key(comentario_id) < share``."""
    train, held = [], []
    for label in labels:
        (held if held_out_key(label.comentario_id) < share else train).append(label)
    return train, held


# --- metrics ----------------------------------------------------------------------------------
def expected_calibration_error(confianca: Sequence[float], right: Sequence[bool], bins: int = 10) -> float:
    """ECE over ``bins`` equal-width bins of [0, 1] (the last includes 1.0)."""
    conf = np.asarray(confianca, dtype=float)
    ok = np.asarray(right, dtype=float)
    if not len(conf):
        return 0.0
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    value = 0.0
    for b in range(bins):
        members = idx == b
        if members.any():
            value += members.sum() / len(conf) * abs(ok[members].mean() - conf[members].mean())
    return float(value)


def error_capture(confianca: Sequence[float], right: Sequence[bool], share: float = CAPTURE_SHARE) -> float:
    """Share of all errors found among the ``share`` lowest-confidence answers (1.0 without errors).

    Ties at the cut count pro rata: when the cut falls inside a group of equal confidence, that
    group contributes its errors times the fraction of it that fits, so the order of the input
    never matters."""
    conf = np.asarray(confianca, dtype=float)
    wrong = 1.0 - np.asarray(right, dtype=float)
    if not len(conf) or wrong.sum() == 0:
        return 1.0
    budget = share * len(conf)
    taken = caught = 0.0
    for value in np.unique(conf):  # ascending
        members = conf == value
        n = members.sum()
        if taken + n <= budget:
            taken += n
            caught += wrong[members].sum()
        else:
            caught += (budget - taken) / n * wrong[members].sum()
            break
    return float(caught / wrong.sum())


def score(model: OfflineClassifier | LearnedLayer | None, labelled: Sequence[Any]) -> dict[str, Any]:
    """Accuracy, ECE and error capture of ``model`` (None: the rules alone; a LearnedLayer: inside
    the offline classifier, as it would run) on ``labelled`` (Labels or ``(texto, categoria)``)."""
    if model is None or isinstance(model, LearnedLayer):
        model = OfflineClassifier(learned=model)
    pairs = [(x.texto, x.categoria) if hasattr(x, "texto") else (x[0], x[1]) for x in labelled]
    conf, right = [], []
    for texto, categoria in pairs:
        result = model.classify(texto)
        conf.append(result.confianca)
        right.append(str(result.categoria) == str(categoria))
    n = len(pairs)
    return {
        "n": n,
        "accuracy": round(float(np.mean(right)), 4) if n else 0.0,
        "ece": round(expected_calibration_error(conf, right), 4),
        "error_capture": round(error_capture(conf, right), 4),
        "versao": model.provenance.versao,
    }


def score_own_set_cv(labels: Sequence[tuple[str, str]], *, versao: str, seed: int = 0) -> dict[str, Any]:
    """The candidate recipe cross-validated on the own set: each fold is scored by a layer trained
    on the rest of the own set plus ``labels``."""
    base = own_set()
    order = np.random.RandomState(seed).permutation(len(base))
    conf: list[float] = []
    right: list[bool] = []
    for k in range(FALLBACK_FOLDS):
        scored = set(order[k::FALLBACK_FOLDS].tolist())
        layer = LearnedLayer.train(list(labels), versao=versao, seed=seed,
                                   base=[row for i, row in enumerate(base) if i not in scored])
        clf = OfflineClassifier(learned=layer)
        for i in sorted(scored):
            result = clf.classify(base[i][0])
            conf.append(result.confianca)
            right.append(str(result.categoria) == base[i][1])
    return {"n": len(right), "accuracy": round(float(np.mean(right)), 4),
            "ece": round(expected_calibration_error(conf, right), 4),
            "error_capture": round(error_capture(conf, right), 4), "versao": f"offline+{versao}"}


def gate(candidate: dict[str, Any], current: dict[str, Any]) -> tuple[bool, str]:
    """(promote, reason): never a worse model. Accuracy must not be lower, ECE not worse than the
    current one's by more than ``ECE_TOLERANCE``. ``reason`` is pt-BR (stored as the motive)."""
    base = candidate.get("base", HELD_OUT)
    where = (f"em {candidate['n']} rótulos separados (nunca usados no treino)" if base == HELD_OUT else
             f"no conjunto próprio em validação cruzada ({candidate['n']} comentários), porque há só "
             f"{candidate.get('held_out', 0)} rótulos separados (mínimo {MIN_HELD_OUT})")
    if not candidate.get("n"):
        return False, "recusado: nada para avaliar"
    acc, cur_acc = candidate["accuracy"], current["accuracy"]
    ece, cur_ece = candidate["ece"], current["ece"]
    numbers = f"acurácia {acc:.3f} (atual {cur_acc:.3f}), ECE {ece:.3f} (atual {cur_ece:.3f}) {where}"
    if acc < cur_acc:
        return False, f"recusado: acurácia menor; {numbers}"
    if ece > cur_ece + ECE_TOLERANCE:
        return False, f"recusado: calibração pior (ECE +{ece - cur_ece:.3f}); {numbers}"
    return True, f"promovido: {numbers}"


@dataclass
class Evaluation:
    candidate: LearnedLayer
    candidate_scores: dict[str, Any]
    current_scores: dict[str, Any]
    promote: bool
    reason: str
    trained_on: int  # labels the candidate was trained on (held-out ones excluded)
    held_out: int
    trained_ids: list[str] = field(default_factory=list)  # their comments' ids (what the model remembers)

    def metrics(self) -> dict[str, Any]:
        """What ``modelos_classificador.metricas`` keeps: both scores and the basis."""
        return {"candidato": self.candidate_scores, "atual": self.current_scores, "rotulos_treino": self.trained_on,
                "rotulos_separados": self.held_out, "promover": self.promote}


def evaluate_candidate(labels: Sequence[LabelLike], *, versao: str, current: LearnedLayer | None,
                       seed: int = 0) -> Evaluation:
    """Train a candidate on the labels not held out, score it and the current model (None: rules
    only) on the held-out ones (or the fallback), and apply the gate."""
    train, held = split_held_out(labels)
    candidate = train_candidate([(x.texto, x.categoria) for x in train], versao=versao, seed=seed)
    if len(held) >= MIN_HELD_OUT:
        cand, cur = score(candidate, held), score(current, held)
        basis = HELD_OUT
    else:
        cand = score_own_set_cv([(x.texto, x.categoria) for x in train], versao=versao, seed=seed)
        cur = score(current, own_set())
        basis = OWN_SET_CV
    for s in (cand, cur):
        s.update(base=basis, held_out=len(held))
    promote, reason = gate(cand, cur)
    return Evaluation(candidate, cand, cur, promote, reason, len(train), len(held),
                      [str(x.comentario_id) for x in train])
