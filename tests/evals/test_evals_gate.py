"""What the evals gate stands on: the project's own set and the calibration fitted on it.

The gate itself (`python -m evals` under the floors of evals/thresholds.toml, own set and real dev
set) runs as `make evals`, part of `make test`."""

from __future__ import annotations

from pathlib import Path

from alumusic.classification import offline
from evals import calibrate
from evals.cli import read_dataset

ROOT = Path(__file__).resolve().parents[2]
OWN_SET = ROOT / "evals" / "dataset.csv"


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
