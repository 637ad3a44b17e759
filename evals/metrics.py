"""Metrics of a classification run: accuracy, per-class P/R/F1, macro-F1, ECE, latency.

Pure functions over plain lists so they can be checked by hand in tests.

Conventions:
- a failed classification (the backend raised ClassificationError) has prediction ``None``: it is
  wrong for accuracy and recall, counts in the confusion matrix's ``FALHA`` column, and is left
  out of the calibration (ECE) and latency figures, which describe the answers actually given;
- ``macro_f1`` is the mean F1 over the classes with support >= ``min_support`` (20 by default,
  as the issue defines it); when no class reaches it (tiny files) every class with support > 0 is
  used, and ``macro_f1_classes`` says which classes were averaged;
- ECE uses 10 equal-width bins of ``confianca`` over [0, 1] (the last bin includes 1.0):
  ``sum_b n_b / N * |accuracy_b - mean_confianca_b|``;
- ``error_capture``: the share of all wrong answers found among the 20% of answers with the lowest
  ``confianca`` (what a curator reviewing that 20% would catch); ties at the cut count pro rata
  (``alumusic.classification.training.error_capture``, the same function the model gate uses);
- latency percentiles use linear interpolation between order statistics (numpy's default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alumusic.classification.training import CAPTURE_SHARE
from alumusic.classification.training import error_capture as _error_capture
from alumusic.domain import CATEGORIAS

FAILURE = "FALHA"
ECE_BINS = 10


@dataclass(frozen=True)
class Item:
    gold: str
    pred: str | None  # None: the classification failed
    confianca: float | None
    latency_ms: float | None


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def confusion(items: Sequence[Item], labels: Sequence[str] = CATEGORIAS) -> list[list[int]]:
    """Rows: gold label; columns: predicted label, then FALHA (failed classifications)."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * (len(labels) + 1) for _ in labels]
    for it in items:
        col = len(labels) if it.pred is None else index[it.pred]
        matrix[index[it.gold]][col] += 1
    return matrix


def per_class(items: Sequence[Item], labels: Sequence[str] = CATEGORIAS) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for it in items if it.gold == label and it.pred == label)
        predicted = sum(1 for it in items if it.pred == label)
        support = sum(1 for it in items if it.gold == label)
        precision = _div(tp, predicted)
        recall = _div(tp, support)
        f1 = _div(2 * precision * recall, precision + recall)
        out[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
            "predicted": predicted,
        }
    return out


def macro_f1(classes: dict[str, dict[str, float]], min_support: int = 20) -> tuple[float, list[str]]:
    chosen = [c for c, m in classes.items() if m["support"] >= min_support]
    if not chosen:
        chosen = [c for c, m in classes.items() if m["support"] > 0]
    if not chosen:
        return 0.0, []
    return round(sum(classes[c]["f1"] for c in chosen) / len(chosen), 4), chosen


def calibration_bins(items: Sequence[Item], n_bins: int = ECE_BINS) -> list[dict[str, float]]:
    answered = [it for it in items if it.pred is not None and it.confianca is not None]
    bins: list[list[Item]] = [[] for _ in range(n_bins)]
    for it in answered:
        bins[min(int(it.confianca * n_bins), n_bins - 1)].append(it)
    out = []
    for i, members in enumerate(bins):
        n = len(members)
        out.append({
            "lo": round(i / n_bins, 4),
            "hi": round((i + 1) / n_bins, 4),
            "n": n,
            "mean_confianca": round(_div(sum(m.confianca for m in members), n), 4),
            "accuracy": round(_div(sum(1 for m in members if m.pred == m.gold), n), 4),
        })
    return out


def ece(items: Sequence[Item], n_bins: int = ECE_BINS) -> float:
    answered = [it for it in items if it.pred is not None and it.confianca is not None]
    total = len(answered)
    if not total:
        return 0.0
    bins: list[list[Item]] = [[] for _ in range(n_bins)]
    for it in answered:
        bins[min(int(it.confianca * n_bins), n_bins - 1)].append(it)
    value = 0.0
    for members in bins:
        if members:
            acc = sum(1 for m in members if m.pred == m.gold) / len(members)
            conf = sum(m.confianca for m in members) / len(members)
            value += len(members) / total * abs(acc - conf)
    return round(value, 4)


def error_capture(items: Sequence[Item], share: float = CAPTURE_SHARE) -> float:
    answered = [it for it in items if it.pred is not None and it.confianca is not None]
    return round(_error_capture([it.confianca for it in answered], [it.pred == it.gold for it in answered], share), 4)


def confidence_split(items: Sequence[Item]) -> dict[str, dict[str, float]]:
    """SPEC's calibration promise: answers with confianca >= 0.8 right far more often than < 0.5."""
    answered = [it for it in items if it.pred is not None and it.confianca is not None]
    groups = {
        "alta (>= 0.8)": [it for it in answered if it.confianca >= 0.8],
        "media [0.5, 0.8)": [it for it in answered if 0.5 <= it.confianca < 0.8],
        "baixa (< 0.5)": [it for it in answered if it.confianca < 0.5],
    }
    return {
        name: {"n": len(g), "accuracy": round(_div(sum(1 for it in g if it.pred == it.gold), len(g)), 4) if g else None}
        for name, g in groups.items()
    }


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    return round(float(np.percentile(np.asarray(values, dtype=float), q)), 3)


def compute(items: Sequence[Item], min_support: int = 20) -> dict:
    """Every metric of the report, as a JSON-ready dict."""
    n = len(items)
    classes = per_class(items)
    mf1, mf1_classes = macro_f1(classes, min_support)
    latencies = [it.latency_ms for it in items if it.pred is not None and it.latency_ms is not None]
    return {
        "n": n,
        "accuracy": round(_div(sum(1 for it in items if it.pred == it.gold), n), 4),
        "macro_f1": mf1,
        "macro_f1_classes": mf1_classes,
        "macro_f1_min_support": min_support,
        "per_class": classes,
        "ece": ece(items),
        "error_capture": error_capture(items),
        "error_capture_share": CAPTURE_SHARE,
        "calibration_bins": calibration_bins(items),
        "confidence_split": confidence_split(items),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "latency_ms_mean": round(_div(sum(latencies), len(latencies)), 3),
        "failures": sum(1 for it in items if it.pred is None),
        "confusion_matrix": {
            "rows": "gold",
            "columns": "predicted",
            "labels": list(CATEGORIAS),
            "column_labels": [*CATEGORIAS, FAILURE],
            "matrix": confusion(items),
        },
    }
