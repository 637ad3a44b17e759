"""Fit the offline classifier's calibration table on a labelled CSV (by default evals/dataset.csv).

    python -m evals.calibrate [--dataset evals/dataset.csv] [--write]

For each predicted category, the raw strength of every decision is binned at the edges in
``alumusic.classification.offline.CALIBRATION_EDGES``; each bin's probability of being right is
the observed accuracy smoothed towards a per-category prior with a Beta pseudo-count,

    p = (right + M * PRIOR[categoria]) / (n + M)          M = 40

then forced to be non-decreasing in strength (pool-adjacent-violators, weighted by n) and clipped
to [0.05, 0.97].

Why a strong prior: the rules were written while reading this set, so its raw accuracy (~0.99)
is optimistic. On blind-labelled samples of real pt-BR comments the rules had never seen
(labelled before looking at any prediction), accuracy was 0.80-0.85, while on the real dev set,
read during development, it is ~0.93. The priors are the expected precision of each category on
such unseen comments: SPAM cues (links, money, channels) are nearly unambiguous; CRÍTICA is the
least reliable (an insult may target the artist or another listener; sarcasm). With M = 40 the
own set only moves a bin a few points around its prior. Prints the table (``--write`` also replaces it in
offline.py between the BEGIN/END CALIBRATION markers); bump RULES_VERSION after.
"""

from __future__ import annotations

import argparse
import bisect
import re
from pathlib import Path

from alumusic.classification import offline
from alumusic.classification.contract import CATEGORIAS
from evals.cli import read_dataset

PRIOR = {"SPAM": 0.92, "ELOGIO": 0.82, "OUTRO": 0.82, "DÚVIDA": 0.72, "SUGESTÃO": 0.72, "CRÍTICA": 0.55}
M = 40.0
FLOOR, CEIL = 0.05, 0.97
DEFAULT_DATASET = Path(__file__).with_name("dataset.csv")


def _pava(values: list[float], weights: list[float]) -> list[float]:
    """Weighted isotonic (non-decreasing) regression by pool-adjacent-violators."""
    blocks = [[v, w, 1] for v, w in zip(values, weights, strict=True)]
    i = 0
    while i < len(blocks) - 1:
        if blocks[i][0] > blocks[i + 1][0]:
            v1, w1, c1 = blocks[i]
            v2, w2, c2 = blocks[i + 1]
            w = w1 + w2
            blocks[i] = [(v1 * w1 + v2 * w2) / w if w else (v1 + v2) / 2, w, c1 + c2]
            del blocks[i + 1]
            i = max(i - 1, 0)
        else:
            i += 1
    out: list[float] = []
    for v, _, count in blocks:
        out.extend([v] * count)
    return out


def fit(rows: list[dict[str, str]]) -> tuple[dict[str, tuple[float, ...]], dict[str, list[tuple[int, int]]]]:
    clf = offline.OfflineClassifier()
    counts = {cat: [[0, 0] for _ in range(len(offline.CALIBRATION_EDGES[cat]) + 1)] for cat in CATEGORIAS}
    for row in rows:
        decision = clf.explain(row["texto"])
        b = bisect.bisect_right(offline.CALIBRATION_EDGES[decision.categoria], decision.strength)
        counts[decision.categoria][b][0] += 1
        counts[decision.categoria][b][1] += decision.categoria == row["categoria"]
    table: dict[str, tuple[float, ...]] = {}
    for cat in CATEGORIAS:
        raw = [(right + M * PRIOR[cat]) / (n + M) for n, right in counts[cat]]
        smooth = _pava(raw, [n + M for n, _ in counts[cat]])
        table[cat] = tuple(round(min(CEIL, max(FLOOR, p)), 3) for p in smooth)
    return table, {cat: [(n, right) for n, right in bins] for cat, bins in counts.items()}


def render(table: dict[str, tuple[float, ...]]) -> str:
    lines = ["CALIBRATION_TABLE: dict[str, tuple[float, ...]] = {"]
    for cat, values in table.items():
        lines.append(f'    "{cat}": ({", ".join(f"{v:.3f}" for v in values)}{"," if len(values) == 1 else ""}),')
    lines.append("}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.calibrate", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    p.add_argument("--write", action="store_true", help="replace the table in offline.py")
    args = p.parse_args(argv)
    table, counts = fit(read_dataset(args.dataset))
    for cat in CATEGORIAS:
        bins = ", ".join(f"{right}/{n}" for n, right in counts[cat])
        print(f"# {cat}: right/n per bin {bins} -> {table[cat]}")
    code = render(table)
    print(code)
    if args.write:
        path = Path(offline.__file__)
        text = path.read_text(encoding="utf-8")
        block = re.compile(r"(# BEGIN CALIBRATION\n).*?(\n# END CALIBRATION)", re.S)
        if not block.search(text):
            raise SystemExit(f"no BEGIN/END CALIBRATION markers in {path}")
        path.write_text(block.sub(lambda m: m.group(1) + code + m.group(2), text), encoding="utf-8")
        print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
