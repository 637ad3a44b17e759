"""The learning curve's queue selection: the labels are the lowest-confidence rows of the training
side (as the review queue orders them), round after round, and never a row of the scored fold."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from alumusic.classification.offline import OfflineClassifier
from alumusic.classification.training import train_candidate
from evals import calibrate, learning_curve
from evals.cli import read_dataset

ROOT = Path(__file__).resolve().parents[2]
FOLDS, SEED = 3, 0


@pytest.fixture(scope="module")
def small() -> list[dict[str, str]]:
    return read_dataset(ROOT / "evals" / "dataset.csv")[::8]  # ~49 rows of the own set, all categories


def _lowest(clf: OfflineClassifier, rows: list[dict[str, str]], candidates: list[int], k: int) -> list[int]:
    """The first k of ``candidates`` by the confidence ``clf.classify`` gives, ties in candidate order."""
    conf = [clf.classify(rows[i]["texto"]).confianca for i in candidates]
    return [candidates[j] for j in sorted(range(len(candidates)), key=lambda j: (conf[j], j))[:k]]


def _sides(rows: list[dict[str, str]], f: int) -> tuple[set[int], list[int], OfflineClassifier]:
    scored = learning_curve._folds([r["categoria"] for r in rows], FOLDS, SEED)[f]
    rest = np.setdiff1d(np.arange(len(rows)), scored)
    order = [int(i) for i in np.random.RandomState(SEED + f).permutation(rest)]
    base = OfflineClassifier(calibration=calibrate.fit([rows[i] for i in rest]))
    return {int(i) for i in scored}, order, base


def test_queue_rounds_pick_the_lowest_confidence_training_rows(small: list[dict[str, str]]) -> None:
    result = learning_curve.curve(small, FOLDS, [0, 4, 8], SEED, progress=False, selection="queue", round_size=4)
    assert result["selection"] == "queue" and result["round_size"] == 4
    assert [p["corrections"] for p in result["points"]] == [0, 4, 8]
    for f, selected in enumerate(result["selected"]):
        scored, order, base = _sides(small, f)
        assert len(selected) == 8 and len(set(selected)) == 8
        assert not scored & set(selected)  # a scored row is never labelled
        assert set(selected) <= set(order)
        # round 1: the 4 lowest under rules + calibration fitted without the scored fold
        assert selected[:4] == _lowest(base, small, order, 4)
        # round 2: the 4 lowest of the rest under the model trained on round 1's labels
        layer = train_candidate([(small[i]["texto"], small[i]["categoria"]) for i in selected[:4]],
                                versao="curva4", seed=SEED)
        after = OfflineClassifier(learned=layer, calibration=base.calibration)
        assert selected[4:] == _lowest(after, small, [i for i in order if i not in selected[:4]], 4)
    for p in result["points"]:
        assert 0.0 <= p["accuracy"] <= 1.0 and 0.0 <= p["ece"] <= 1.0 and 0.0 <= p["error_capture"] <= 1.0
    assert result["points"][0]["labels_that_fixed"] is None and 0.0 <= result["points"][2]["labels_that_fixed"] <= 1.0


def test_queue_once_ranks_under_the_zero_step_classifier(small: list[dict[str, str]]) -> None:
    scored, order, base = _sides(small, 0)
    selected, fixed, models = learning_curve.queue_selection(small, order, [0, 3, 6], base, round_size=0, seed=SEED)
    assert selected == _lowest(base, small, order, 6)
    assert not scored & set(selected)
    assert fixed == [base.classify(small[i]["texto"]).categoria != small[i]["categoria"] for i in selected]
    assert models[0] is base and models[6].learned is not None and models[6].learned.n_stream == 6


def test_batch_answers_are_what_classify_answers(small: list[dict[str, str]]) -> None:
    _, order, base = _sides(small, 1)
    layer = train_candidate([(small[i]["texto"], small[i]["categoria"]) for i in order[:5]], versao="t", seed=SEED)
    texts = [r["texto"] for r in small]
    for clf in (base, OfflineClassifier(learned=layer, calibration=base.calibration)):
        cats, conf = learning_curve.answers(clf, texts)
        one = [clf.classify(t) for t in texts]
        assert cats == [str(c.categoria) for c in one]
        assert conf.tolist() == [c.confianca for c in one]


def test_cli_queue_writes_its_files_beside_a_comparable_random_run(small: list[dict[str, str]],
                                                                   tmp_path: Path) -> None:
    data = tmp_path / "pequeno.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["texto", "categoria"])
        w.writerows((r["texto"], r["categoria"]) for r in small)
    out = tmp_path / "curva"
    base = ["--dataset", str(data), "--folds", str(FOLDS), "--steps", "0,5", "--out", str(out), "--no-progress"]
    assert learning_curve.main([*base, "--selection", "random"]) == 0
    assert learning_curve.main([*base, "--selection", "queue"]) == 0
    assert (out / "learning_curve.png").exists() and (out / "report.md").exists()  # random: the same files as before
    assert (out / "learning_curve_queue.png").read_bytes()[:4] == b"\x89PNG"
    queue = json.loads((out / "learning_curve_queue.json").read_text(encoding="utf-8"))
    rand = json.loads((out / "learning_curve.json").read_text(encoding="utf-8"))
    assert queue["rows_sha256"] == rand["rows_sha256"] and queue["scored_per_fold"] == rand["scored_per_fold"]
    assert queue["points"][0] == rand["points"][0]  # 0 corrections: the same classifier either way
    report = (out / "report_queue.md").read_text(encoding="utf-8")
    assert "menor confiança" in report and "Lado a lado com a seleção aleatória" in report
    with pytest.raises(SystemExit):
        learning_curve.main([*base, "--selection", "fila"])
