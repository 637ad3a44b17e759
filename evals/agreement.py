"""Agreement between two label files of the same comments (a second annotation pass).

``python -m evals.agreement FIRST.csv SECOND.csv`` compares the labels of the ids both files
hold (``id,categoria``; files with ``texto`` work too, keyed by ``id``) and prints the share of
equal labels, Cohen's kappa (scikit-learn) and every disagreement as ``first → second``. It reads
labels only, never texts or classifier output, so it can be run before anyone looks at a model's
answers. It measures how consistent the labels are: a classifier scored on them cannot be expected
to agree with them more often than two passes of the annotators do.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from evals.cli import DatasetError, parse_category


def read_labels(path: Path) -> dict[str, str]:
    """``id -> categoria`` of a label file; an id given twice with two labels is an error."""
    labels: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = {(f or "").strip() for f in reader.fieldnames or []}
        if not {"id", "categoria"} <= fields:
            raise DatasetError(f"{path}: needs columns id and categoria")
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            cat = parse_category(row["categoria"])
            if cat is None or not row["id"]:
                raise DatasetError(f"{path}:{line}: missing id or unknown categoria {row['categoria']!r}")
            if labels.setdefault(row["id"], cat) != cat:
                raise DatasetError(f"{path}:{line}: id {row['id']!r} labelled twice, differently")
    return labels


def agreement(first: dict[str, str], second: dict[str, str]) -> dict:
    """Observed agreement and Cohen's kappa over the ids both label files hold."""
    from sklearn.metrics import cohen_kappa_score

    ids = sorted(first.keys() & second.keys())
    if not ids:
        raise DatasetError("the two label files share no id")
    a, b = [first[i] for i in ids], [second[i] for i in ids]
    same = sum(x == y for x, y in zip(a, b, strict=True))
    # kappa is undefined when both passes use a single category (no chance agreement to beat)
    kappa = float(cohen_kappa_score(a, b)) if len(set(a) | set(b)) > 1 else float("nan")
    pairs = Counter((x, y) for x, y in zip(a, b, strict=True) if x != y)
    return {"n": len(ids), "agreement": same / len(ids), "kappa": kappa,
            "disagreements": [{"first": x, "second": y, "n": n} for (x, y), n in pairs.most_common()]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.agreement", description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    try:
        result = agreement(read_labels(args.first), read_labels(args.second))
    except (DatasetError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"n={result['n']} agreement={result['agreement']:.3f} kappa={result['kappa']:.3f}")
    for d in result["disagreements"]:
        print(f"  {d['first']} → {d['second']}: {d['n']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
