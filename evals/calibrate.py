"""Fit the offline classifier's calibration on labels the rules were not written from.

    python -m evals.calibrate [--dataset evals/pool_labels.csv] [--pool PATH] [--folds 5] [--write]

Each comment of the dataset goes through the rules; the decision's signals
(``alumusic.classification.offline.calibration_features``: category, clipped strength per
category, no rule fired, a single weak cue, conflicting cues, number of cues, length...) and
whether its category matches the label fit a logistic regression (scikit-learn, L2, ``C``): the
probability that a decision like this one is right. Before fitting on everything, the same
procedure is cross-validated (``--folds``: fit on the other folds, score the held-out one) and
its ECE and error capture are printed and kept in the file: those are the honest numbers, the
in-sample ones are not.

The default dataset is ``evals/pool_labels.csv``: 800 real comments labelled blind to the
classifier (evals/POOL_LABELS.md), texts resolved from the pool in ../shared. Not the project's
own set (written together with the rules: ~99% right, far too optimistic) nor the real dev set
(read while writing the rules).

``--write`` writes ``calibration.json`` into ``alumusic/classification`` (read at run time with
importlib.resources) and refreshes the package's copy of the own set (``own_set.csv``, the learned
layer's base training data, from evals/dataset.csv). Bump RULES_VERSION after.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from alumusic.classification import offline
from alumusic.classification.learned import OWN_SET_FILE
from alumusic.classification.offline import Calibration
from alumusic.classification.offline_rules import Decision, analyse, decide
from alumusic.classification.training import error_capture, expected_calibration_error
from alumusic.domain import CATEGORIAS
from evals.cli import read_dataset

DEFAULT_DATASET = Path(__file__).with_name("pool_labels.csv")
OWN_SET = Path(__file__).with_name("dataset.csv")
C = 1.0
FOLDS = 5
PACKAGE_DIR = Path(offline.__file__).parent


def decisions_of(rows: Sequence[dict[str, str]]) -> tuple[list[Decision], list[bool]]:
    decisions = [decide(analyse(r["texto"] or "")) for r in rows]
    return decisions, [d.categoria == r["categoria"] for d, r in zip(decisions, rows, strict=True)]


def fit(rows: Sequence[dict[str, str]], meta: dict | None = None) -> Calibration:
    """The calibration fitted on ``rows`` (``texto``, ``categoria``)."""
    decisions, right = decisions_of(rows)
    return Calibration.fit(decisions, right, C=C, meta=meta)


def folds_of(n: int, k: int, seed: int = 0) -> list[np.ndarray]:
    order = np.random.RandomState(seed).permutation(n)
    return [order[i::k] for i in range(k)]


def cross_validate(rows: Sequence[dict[str, str]], k: int = FOLDS, seed: int = 0) -> dict:
    """ECE, error capture and log loss of the fit procedure, each fold scored by a calibration
    fitted without it."""
    decisions, right = decisions_of(rows)
    conf = np.zeros(len(rows))
    for scored in folds_of(len(rows), k, seed):
        mask = np.ones(len(rows), bool)
        mask[scored] = False
        cal = Calibration.fit([d for d, m in zip(decisions, mask, strict=True) if m],
                              [r for r, m in zip(right, mask, strict=True) if m], C=C)
        for i in scored:
            conf[i] = cal(decisions[i])
    y = np.asarray(right, float)
    return {"folds": k, "n": len(rows), "acuracia": round(float(y.mean()), 4),
            "ece": round(expected_calibration_error(conf, right), 4),
            "error_capture": round(error_capture(conf, right), 4),
            "log_loss": round(float(-np.mean(y * np.log(conf) + (1 - y) * np.log(1 - conf))), 4)}


def groups(decisions: Sequence[Decision], right: Sequence[bool], cal: Calibration) -> dict[str, dict]:
    """Per rule category and per evidence flag: n, how often right, mean fitted confianca."""
    named: dict[str, list[int]] = {f"categoria={c}": [] for c in CATEGORIAS}
    named.update({"sem_regra": [], "pista_fraca": [], "conflito": [], "demais": []})
    for i, d in enumerate(decisions):
        named[f"categoria={d.categoria}"].append(i)
        s = d.signals
        for flag, on in (("sem_regra", s.no_rule), ("pista_fraca", s.weak), ("conflito", s.conflict)):
            if on:
                named[flag].append(i)
        if not (s.no_rule or s.weak or s.conflict):
            named["demais"].append(i)
    out = {}
    for name, idx in named.items():
        if idx:
            out[name] = {"n": len(idx), "acertos": round(sum(right[i] for i in idx) / len(idx), 4),
                         "confianca_media": round(sum(cal(decisions[i]) for i in idx) / len(idx), 4)}
    return out


def write_own_set(src: Path = OWN_SET, dest_dir: Path = PACKAGE_DIR) -> Path:
    rows = read_dataset(src)
    path = dest_dir / OWN_SET_FILE
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["texto", "categoria"])
        for r in rows:
            w.writerow([r["texto"], r["categoria"]])
    return path


def main(argv: list[str] | None = None) -> int:
    import sklearn

    p = argparse.ArgumentParser(prog="python -m evals.calibrate", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    p.add_argument("--pool", type=Path, default=None, help="comment pool for a label file keyed by id")
    p.add_argument("--folds", type=int, default=FOLDS)
    p.add_argument("--write", action="store_true", help="write calibration.json (and own_set.csv) into the package")
    args = p.parse_args(argv)
    rows = read_dataset(args.dataset, args.pool)
    cv = cross_validate(rows, args.folds)
    decisions, right = decisions_of(rows)
    print(f"# {args.dataset.name}: n={len(rows)}, rules right on {cv['acuracia']:.3f}")
    try:
        shipped = offline.default_calibration()
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"# no usable shipped calibration ({exc})")
    else:
        shipped_conf = [shipped(d) for d in decisions]
        print(f"# shipped calibration on it (in-sample if it was fitted on it): "
              f"ECE={expected_calibration_error(shipped_conf, right):.3f} "
              f"error_capture={error_capture(shipped_conf, right):.3f}")
    print(f"# new fit, {cv['folds']}-fold cross-validated: ECE={cv['ece']:.3f} error_capture={cv['error_capture']:.3f} "
          f"log_loss={cv['log_loss']:.3f}")
    meta = {"ajustada_em": args.dataset.name, "versao_regras": offline.RULES_VERSION, "C": C,
            "sklearn": sklearn.__version__, "validacao_cruzada": cv}
    cal = fit(rows, meta)
    cal.meta["grupos"] = groups(decisions, right, cal)
    for name, g in cal.meta["grupos"].items():
        print(f"#   {name:22s} n={g['n']:4d} right={g['acertos']:.3f} confianca={g['confianca_media']:.3f}")
    text = json.dumps(cal.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if args.write:
        path = PACKAGE_DIR / offline.CALIBRATION_FILE
        path.write_text(text, encoding="utf-8")
        offline.default_calibration.cache_clear()
        print(f"written to {path} and {write_own_set()}")
    else:
        print(text)
    if not all(math.isfinite(c) for c in cal.coef):
        raise SystemExit("calibration did not converge")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
