"""What the evals gate stands on: the project's own set, its copy in the package, and the
calibration fitted on the blind pool labels.

The gate itself (`python -m evals` under the floors of evals/thresholds.toml: own set, real dev
set and pool labels) runs as `make evals`, part of `make test`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from alumusic.classification import offline
from alumusic.classification.learned import own_set
from evals import calibrate
from evals.cli import DEFAULT_POOL, read_dataset

ROOT = Path(__file__).resolve().parents[2]
OWN_SET = ROOT / "evals" / "dataset.csv"
POOL_LABELS = ROOT / "evals" / "pool_labels.csv"


def test_own_set_shape() -> None:
    rows = read_dataset(OWN_SET)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["categoria"]] = counts.get(row["categoria"], 0) + 1
    assert len(rows) >= 300
    assert set(counts) == {"ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM", "OUTRO"}
    assert min(counts.values()) >= 30, counts
    assert len({r["texto"] for r in rows}) == len(rows)  # no duplicates


def test_the_package_ships_the_own_set_as_it_is() -> None:
    """The learned layer trains on the package's copy (the image has no evals/): it must be
    evals/dataset.csv as `python -m evals.calibrate --write` copies it."""
    assert own_set() == [(r["texto"], r["categoria"]) for r in read_dataset(OWN_SET)]


def test_pool_labels_hold_ids_only() -> None:
    with POOL_LABELS.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["id", "categoria"]
        assert sum(1 for _ in reader) == 800


def test_calibration_file_is_the_fit_on_the_pool_labels() -> None:
    data = json.loads((Path(offline.__file__).parent / offline.CALIBRATION_FILE).read_text(encoding="utf-8"))
    assert data["features"] == list(offline.CALIBRATION_FEATURES)
    assert data["ajustada_em"] == POOL_LABELS.name and data["validacao_cruzada"]["n"] == 800
    if not DEFAULT_POOL.exists():
        pytest.skip(f"{DEFAULT_POOL} not present")
    fitted = calibrate.fit(read_dataset(POOL_LABELS))
    assert fitted.intercept == pytest.approx(data["intercept"], abs=1e-4)
    assert list(fitted.coef) == pytest.approx(data["coef"], abs=1e-4)
