"""Regression floors kept in the repository (``evals/thresholds.toml``).

Sections are looked up by the dataset's file name, most specific first:
``"<file name>:<backend>"``, then ``"<file name>"``, then ``"default"``. Each section has a
``min`` table (the metric must be >= the value) and a ``max`` table (<=). Metric names are the
keys of ``metrics.json``; per-class values use dots: ``"SPAM.precision"``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("thresholds.toml")


@dataclass(frozen=True)
class Check:
    metric: str
    kind: str  # "min" | "max"
    limit: float
    value: float | None

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.limit if self.kind == "min" else self.value <= self.limit

    def as_dict(self) -> dict:
        return {"metric": self.metric, "kind": self.kind, "limit": self.limit, "value": self.value,
                "passed": self.passed}


def load(path: Path, dataset_name: str, backend: str) -> tuple[str | None, dict]:
    """(section name, section) for this dataset and backend; (None, {}) when nothing applies."""
    if not path.exists():
        return None, {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    for key in (f"{dataset_name}:{backend}", dataset_name, "default"):
        if key in data:
            return key, data[key]
    return None, {}


def metric_value(metrics: dict, name: str) -> float | None:
    if "." in name:
        label, field = name.split(".", 1)
        value = metrics.get("per_class", {}).get(label, {}).get(field)
    else:
        value = metrics.get(name)
    return float(value) if isinstance(value, int | float) else None


def evaluate(metrics: dict, section: dict) -> list[Check]:
    checks = []
    for kind in ("min", "max"):
        for name, limit in section.get(kind, {}).items():
            checks.append(Check(name, kind, float(limit), metric_value(metrics, name)))
    return checks
