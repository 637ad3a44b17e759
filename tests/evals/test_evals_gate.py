"""The evals gate itself: the offline classifier meets the repository's floors on the project's own
set and, when present, on the real dev set (the same runs `make test` does with `python -m evals`)."""

from __future__ import annotations

import json
from pathlib import Path

from alumusic.classification import offline
from evals import calibrate
from evals.cli import main, read_dataset

ROOT = Path(__file__).resolve().parents[2]
OWN_SET = ROOT / "evals" / "dataset.csv"


def _gate(dataset: Path, out: Path) -> dict:
    rc = main(["--dataset", str(dataset), "--backend", "offline", "--out", str(out), "--no-progress"])
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    failed = [c for c in metrics["thresholds"]["checks"] if not c["passed"]]
    assert rc == 0, failed
    assert metrics["thresholds"]["section"] == f"{dataset.name}:offline"
    return metrics


def test_own_set_meets_its_floors(tmp_path: Path) -> None:
    m = _gate(OWN_SET, tmp_path)
    assert m["n"] >= 300


def test_dev_set_meets_its_floors(dev_set_path: Path, tmp_path: Path) -> None:
    m = _gate(dev_set_path, tmp_path)
    # the targets, with the offline backend on the real dev set
    assert m["accuracy"] >= 0.80 and m["macro_f1"] >= 0.75 and m["ece"] <= 0.10
    assert m["per_class"]["SPAM"]["precision"] >= 0.95 and m["per_class"]["SPAM"]["recall"] >= 0.90


def test_own_set_shape() -> None:
    rows = read_dataset(OWN_SET)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["categoria"]] = counts.get(row["categoria"], 0) + 1
    assert len(rows) >= 300
    assert set(counts) == {"ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM", "OUTRO"}
    assert min(counts.values()) >= 30, counts
    assert len({r["texto"] for r in rows}) == len(rows)  # no duplicates


def test_calibration_table_is_the_one_fitted_on_the_own_set() -> None:
    """The constants in offline.py must be what `python -m evals.calibrate --write` produces."""
    table, _ = calibrate.fit(read_dataset(OWN_SET))
    assert table == {k: tuple(v) for k, v in offline.CALIBRATION_TABLE.items()}, calibrate.render(table)


def test_isotonic_pooling() -> None:
    assert calibrate._pava([0.9, 0.7, 0.8], [1, 1, 1]) == [0.8, 0.8, 0.8]
    assert calibrate._pava([0.5, 0.6, 0.9], [1, 5, 1]) == [0.5, 0.6, 0.9]
