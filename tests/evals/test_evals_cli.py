"""Evals CLI end to end: metrics checked against numbers computed by hand, files, exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from alumusic.classification.contract import BaseClassifier
from alumusic.domain import Classification, InvalidAnswerError, Provenance
from evals import learning_curve
from evals import metrics as M
from evals.cli import main, read_dataset

ROOT = Path(__file__).resolve().parents[2]

# (texto, gold, predicted or None for a failure, confianca, latency_ms)
HAND = [
    ("t1", "ELOGIO", "ELOGIO", 0.9, 1.0),
    ("t2", "ELOGIO", "ELOGIO", 0.9, 2.0),
    ("t3", "ELOGIO", "OUTRO", 0.6, 3.0),
    ("t4", "SPAM", "SPAM", 0.95, 4.0),
    ("t5", "SPAM", "SPAM", 0.95, 5.0),
    ("t6", "SPAM", "OUTRO", 0.3, 6.0),
    ("t7", "OUTRO", "OUTRO", 0.7, 7.0),
    ("t8", "OUTRO", "SPAM", 0.85, 8.0),
    ("t9", "CRÍTICA", "CRÍTICA", 0.5, 9.0),
    ("t10", "OUTRO", None, None, None),
]


class ScriptedClassifier(BaseClassifier):
    """Answers from the HAND table; t10 fails as an invalid answer would."""

    provenance = Provenance(classificador="roteiro", versao="roteiro-1")

    def classify(self, texto: str) -> Classification:
        _, _, pred, conf, latency = next(row for row in HAND if row[0] == texto)
        if pred is None:
            raise InvalidAnswerError("resposta inválida depois da nova tentativa")
        return Classification(categoria=pred, confianca=conf, proveniencia=self.provenance, latencia_ms=latency)


def _write_csv(path: Path, rows: list[tuple[str, str]], extra_column: bool = True) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "texto", "categoria", "nota"] if extra_column else ["texto", "categoria"])
        for i, (texto, cat) in enumerate(rows, start=1):
            w.writerow([f"r{i}", texto, cat, "ignorada"] if extra_column else [texto, cat])
    return path


def _write_thresholds(path: Path, section: str, body: str) -> Path:
    path.write_text(f'["{section}".min]\n{body}\n', encoding="utf-8")
    return path


@pytest.fixture
def hand_csv(tmp_path: Path) -> Path:
    return _write_csv(tmp_path / "mao.csv", [(t, g) for t, g, *_ in HAND])


def _run(hand_csv: Path, out: Path, thresholds: Path) -> int:
    return main(["--dataset", str(hand_csv), "--backend", "offline", "--out", str(out),
                 "--thresholds", str(thresholds), "--no-progress"],
                classifier_loader=lambda backend, model: ScriptedClassifier())


def test_metrics_match_hand_computation(hand_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rc = _run(hand_csv, out, _write_thresholds(tmp_path / "t.toml", "mao.csv", "accuracy = 0.6"))
    assert rc == 0
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))

    assert m["n"] == 10
    assert m["accuracy"] == pytest.approx(0.6)  # t1 t2 t4 t5 t7 t9 right; the failure is wrong
    assert m["failures"] == 1
    pc = m["per_class"]
    assert set(pc) == {"ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM", "OUTRO"}
    assert pc["ELOGIO"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "support": 3, "predicted": 2}
    assert pc["SPAM"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert pc["SPAM"]["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert pc["SPAM"]["predicted"] == 3
    # OUTRO: predicted for t3 t6 t7 (one right); gold t7 t8 t10 (one found)
    assert pc["OUTRO"]["precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert pc["OUTRO"]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert pc["CRÍTICA"]["f1"] == 1.0
    assert pc["SUGESTÃO"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 0}
    # No class reaches support 20: the mean over the classes present, (0.8 + 1 + 2/3 + 1/3) / 4
    assert m["macro_f1"] == pytest.approx(0.7, abs=1e-4)
    assert sorted(m["macro_f1_classes"]) == sorted(["ELOGIO", "CRÍTICA", "SPAM", "OUTRO"])
    # ECE over the 9 answers: bin 0.9 has 4 right at mean 0.925; singletons 0.6 (wrong),
    # 0.3 (wrong), 0.7 (right), 0.85 (wrong), 0.5 (right)
    expected_ece = (4 * 0.075 + 0.6 + 0.3 + 0.3 + 0.85 + 0.5) / 9
    assert m["ece"] == pytest.approx(expected_ece, abs=1e-4)
    # latency of the answers 1..9 ms: median 5, p95 = 1 + 0.95 * 8
    assert m["latency_ms_p50"] == pytest.approx(5.0)
    assert m["latency_ms_p95"] == pytest.approx(8.6)
    cm = m["confusion_matrix"]
    assert cm["column_labels"][-1] == "FALHA"
    assert cm["matrix"][cm["labels"].index("OUTRO")] == [0, 0, 0, 0, 1, 1, 1]
    assert cm["matrix"][cm["labels"].index("ELOGIO")] == [2, 0, 0, 0, 0, 1, 0]
    split = m["confidence_split"]
    assert split["alta (>= 0.8)"] == {"n": 5, "accuracy": 0.8}
    assert split["baixa (< 0.5)"] == {"n": 1, "accuracy": 0.0}
    assert m["thresholds"]["passed"] is True
    assert m["failures_examples"][0]["id"] == "r10"
    # error capture over the 9 answers: 3 errors (t3, t6, t8); the lowest 20% (1.8 answers) are
    # t6 (0.3, wrong) and 0.8 of t9 (0.5, right): 1 error of 3
    assert m["error_capture"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["error_capture_share"] == 0.2

    with (out / "predictions.csv").open(encoding="utf-8") as fh:
        preds = list(csv.DictReader(fh))
    assert list(preds[0]) == ["id", "texto", "categoria", "prevista", "confianca"]
    assert len(preds) == 10
    assert preds[2] == {"id": "r3", "texto": "t3", "categoria": "ELOGIO", "prevista": "OUTRO", "confianca": "0.600"}
    assert preds[9]["prevista"] == "" and preds[9]["confianca"] == ""  # the failure

    for name in ("report.md", "metrics.json", "confusion_matrix.png", "reliability_diagram.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "0.600" in report and "FALHA" in report and "InvalidAnswerError" in report
    assert "captura de erros" in report


def test_predictions_without_an_id_column(tmp_path: Path) -> None:
    data = _write_csv(tmp_path / "sem_id.csv", [(t, g) for t, g, *_ in HAND], extra_column=False)
    _run(data, tmp_path / "out", _write_thresholds(tmp_path / "t.toml", "sem_id.csv", "accuracy = 0.1"))
    with (tmp_path / "out" / "predictions.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["texto", "categoria", "prevista", "confianca"]


def test_min_support_macro_f1() -> None:
    items = [M.Item(g, p, c, lat) for _, g, p, c, lat in HAND]
    mf1, classes = M.macro_f1(M.per_class(items), min_support=3)
    assert classes == ["ELOGIO", "SPAM", "OUTRO"]
    assert mf1 == pytest.approx((0.8 + 2 / 3 + 1 / 3) / 3, abs=1e-4)


def test_exit_1_when_a_floor_is_missed(hand_csv: Path, tmp_path: Path, capsys) -> None:
    thresholds = _write_thresholds(tmp_path / "t.toml", "mao.csv", 'accuracy = 0.61\n"SPAM.recall" = 0.5')
    assert _run(hand_csv, tmp_path / "out", thresholds) == 1
    assert "THRESHOLD MISSED: accuracy" in capsys.readouterr().out
    m = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    failed = [c["metric"] for c in m["thresholds"]["checks"] if not c["passed"]]
    assert failed == ["accuracy"]


def test_max_thresholds_and_default_section(hand_csv: Path, tmp_path: Path) -> None:
    thresholds = tmp_path / "t.toml"
    thresholds.write_text("[default.max]\nece = 0.2\n", encoding="utf-8")  # ECE is 0.3167
    assert _run(hand_csv, tmp_path / "out", thresholds) == 1
    thresholds.write_text("[default.max]\nece = 0.4\nlatency_ms_p95 = 100\n", encoding="utf-8")
    assert _run(hand_csv, tmp_path / "out", thresholds) == 0


def test_bad_dataset_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("texto,rotulo\nolá,ELOGIO\n", encoding="utf-8")
    assert main(["--dataset", str(bad), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    bad.write_text("texto,categoria\nolá,ELOGIOS\n", encoding="utf-8")
    assert main(["--dataset", str(bad), "--out", str(tmp_path / "o"), "--no-progress"]) == 2


def test_command_line_with_the_offline_backend(tmp_path: Path) -> None:
    """The real command, as CI runs it, on a tiny file of unambiguous comments."""
    data = _write_csv(tmp_path / "mini.csv", [
        ("Que música linda, a voz dela é perfeita!", "ELOGIO"),
        ("GANHE DINHEIRO em casa! Renda extra de R$ 3.000 por semana, acesse www.grana-facil.com", "SPAM"),
        ("Qual é o nome da música que toca no começo do clipe?", "DÚVIDA"),
        ("Vem fazer show em Recife, por favor!!", "SUGESTÃO"),
    ], extra_column=False)
    thresholds = _write_thresholds(tmp_path / "t.toml", "mini.csv", "accuracy = 1.0")
    cmd = [sys.executable, "-m", "evals", "--dataset", str(data), "--backend", "offline",
           "--out", str(tmp_path / "out"), "--thresholds", str(thresholds)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "classificando" in done.stderr  # the progress bar
    m = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    for key in ("n", "accuracy", "macro_f1", "per_class", "ece", "latency_ms_p50", "latency_ms_p95"):
        assert key in m
    assert m["n"] == 4 and m["accuracy"] == 1.0 and m["versao"].startswith("offline-")

    # A floor above what it reaches: exit status 1.
    _write_thresholds(thresholds, "mini.csv", "accuracy = 1.0\nmacro_f1 = 1.01")
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr


# --- label files keyed by id, corrections, learning curve ------------------------------------------
# Comments written for these tests: a construct the rules get wrong (a song that puts a child to
# sleep is praise on a children's channel; the rules read a personal story, OUTRO).
SLEEP = [
    ("p1", "meu bebê dorme ouvindo essa música", "ELOGIO"),
    ("p2", "minha filha só dorme com esse vídeo", "ELOGIO"),
    ("p3", "meu neto dorme ouvindo isso todo dia", "ELOGIO"),
    ("p4", "minha filha dorme rapidinho com esse video", "ELOGIO"),
    ("p5", "meu bebe so dorme assim", "ELOGIO"),
    ("p6", "minha bebê dorme ouvindo esse vídeo", "ELOGIO"),
    ("p7", "meu sobrinho dorme com essa musica", "ELOGIO"),
    ("p8", "boa noite gente", "OUTRO"),
]


def _pool_and_labels(tmp_path: Path, rows) -> tuple[Path, Path]:
    pool, labels = tmp_path / "pool.csv", tmp_path / "rotulos.csv"
    with pool.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "video", "published", "texto"])
        w.writerows([(i, "vídeo", "2013-10-20", t) for i, t, _ in rows])
        w.writerow(["p-extra", "vídeo", "2013-10-20", "não rotulado"])
    with labels.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "categoria"])
        w.writerows([(i, c) for i, _, c in rows])
    return pool, labels


def test_label_file_keyed_by_id_reads_texts_from_the_pool(tmp_path: Path) -> None:
    pool, labels = _pool_and_labels(tmp_path, SLEEP[5:])
    out = tmp_path / "out"
    rc = main(["--dataset", str(labels), "--pool", str(pool), "--out", str(out), "--no-progress",
               "--thresholds", str(_write_thresholds(tmp_path / "t.toml", "rotulos.csv", "accuracy = 0.0"))])
    assert rc == 0
    with (out / "predictions.csv").open(encoding="utf-8") as fh:
        preds = list(csv.DictReader(fh))
    assert [(p["id"], p["texto"]) for p in preds] == [(i, t) for i, t, _ in SLEEP[5:]]
    assert main(["--dataset", str(labels), "--pool", str(tmp_path / "nenhum.csv"), "--out", str(out),
                 "--no-progress"]) == 2


def test_corrections_go_through_the_training_path(tmp_path: Path) -> None:
    pool, labels = _pool_and_labels(tmp_path, SLEEP[5:])
    fixes = _write_csv(tmp_path / "correcoes.csv", [(t, c) for _, t, c in SLEEP[:5]], extra_column=False)
    thresholds = _write_thresholds(tmp_path / "t.toml", "rotulos.csv", "accuracy = 0.0")
    base = ["--dataset", str(labels), "--pool", str(pool), "--no-progress", "--thresholds", str(thresholds)]
    assert main([*base, "--out", str(tmp_path / "antes")]) == 0
    assert main([*base, "--out", str(tmp_path / "depois"), "--corrections", str(fixes)]) == 0
    before = json.loads((tmp_path / "antes" / "metrics.json").read_text(encoding="utf-8"))
    after = json.loads((tmp_path / "depois" / "metrics.json").read_text(encoding="utf-8"))
    assert before["accuracy"] == pytest.approx(1 / 3, abs=1e-3)  # only "boa noite gente"
    assert after["accuracy"] == 1.0
    assert after["versao"].endswith("+correcoes") and before["corrections"] is None
    assert after["corrections"] == {"file": str(fixes), "n": 5, "in_dataset": 0}
    assert "com correções" in (tmp_path / "depois" / "report.md").read_text(encoding="utf-8")
    # corrections only make sense for the offline backend
    assert main([*base, "--out", str(tmp_path / "x"), "--corrections", str(fixes), "--backend", "ollama"]) == 2


def test_learning_curve_writes_png_and_table(tmp_path: Path) -> None:
    small = read_dataset(ROOT / "evals" / "dataset.csv")[::8]  # ~49 rows of the own set, all categories
    data = _write_csv(tmp_path / "pequeno.csv", [(r["texto"], r["categoria"]) for r in small])
    out = tmp_path / "curva"
    rc = learning_curve.main(["--dataset", str(data), "--folds", "3", "--steps", "0,10,20,9999",
                              "--out", str(out), "--no-progress"])
    assert rc == 0
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    result = json.loads((out / "learning_curve.json").read_text(encoding="utf-8"))
    assert [p["corrections"] for p in result["points"]] == [0, 10, 20]  # 9999 is more than the data allows
    assert result["n"] == len(small) and sum(result["scored_per_fold"]) == len(small)
    for p in result["points"]:
        assert 0.0 <= p["accuracy"] <= 1.0 and 0.0 <= p["ece"] <= 1.0 and 0.0 <= p["error_capture"] <= 1.0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| correções | acurácia |" in report and "| 20 |" in report and "0 correções" in report
