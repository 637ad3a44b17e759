"""`python -m evals.agreement`: agreement and Cohen's kappa checked by hand, hostile files, the retest file."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from evals.agreement import agreement, main, read_labels
from evals.cli import DatasetError

ROOT = Path(__file__).resolve().parents[2]

FIRST = ["ELOGIO"] * 4 + ["OUTRO"] * 4 + ["SPAM"] * 2
SECOND = ["ELOGIO", "ELOGIO", "ELOGIO", "OUTRO", "OUTRO", "OUTRO", "OUTRO", "ELOGIO", "SPAM", "OUTRO"]


def _write(path: Path, labels: list[tuple[str, str]], header: tuple[str, ...] = ("id", "categoria")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(labels)
    return path


def test_agreement_and_kappa_match_the_hand_computation(tmp_path: Path) -> None:
    # 7 of 10 equal; chance agreement from the marginals (E 4/4, O 4/5, S 2/1):
    # (16 + 20 + 2) / 100 = 0.38, so kappa = (0.70 - 0.38) / (1 - 0.38) = 0.516129...
    first = {f"c{i}": c for i, c in enumerate(FIRST)}
    second = {f"c{i}": c for i, c in enumerate(SECOND)}
    second["only-here"] = "SPAM"  # ids in one file only are not compared
    result = agreement(first, second)
    assert result["n"] == 10
    assert result["agreement"] == pytest.approx(0.7)
    assert result["kappa"] == pytest.approx(0.32 / 0.62)
    assert result["disagreements"] == [
        {"first": "ELOGIO", "second": "OUTRO", "n": 1},
        {"first": "OUTRO", "second": "ELOGIO", "n": 1},
        {"first": "SPAM", "second": "OUTRO", "n": 1},
    ]


def test_the_cli_prints_the_numbers_and_tolerates_spelling(tmp_path: Path, capsys) -> None:
    a = _write(tmp_path / "a.csv", [(f"c{i}", c) for i, c in enumerate(FIRST)])
    b = _write(tmp_path / "b.csv", [(f"c{i}", c.lower().replace("í", "i")) for i, c in enumerate(SECOND)])
    assert main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "n=10 agreement=0.700 kappa=0.516" in out
    assert "SPAM → OUTRO: 1" in out


@pytest.mark.parametrize("rows, header, message", [
    ([("c1", "ELOGIO"), ("c1", "SPAM")], ("id", "categoria"), "labelled twice"),
    ([("c1", "BOM")], ("id", "categoria"), "unknown categoria"),
    ([("", "ELOGIO")], ("id", "categoria"), "missing id"),
    ([("c1", "ELOGIO")], ("id", "label"), "needs columns"),
])
def test_a_bad_label_file_is_refused_with_its_line(tmp_path: Path, rows, header, message, capsys) -> None:
    bad = _write(tmp_path / "bad.csv", rows, header)
    good = _write(tmp_path / "good.csv", [("c1", "ELOGIO")])
    with pytest.raises(DatasetError, match=message):
        read_labels(bad)
    assert main([str(good), str(bad)]) == 2
    assert message in capsys.readouterr().err


def test_files_with_no_common_id_are_refused(tmp_path: Path, capsys) -> None:
    a = _write(tmp_path / "a.csv", [("c1", "ELOGIO")])
    b = _write(tmp_path / "b.csv", [("c2", "ELOGIO")])
    assert main([str(a), str(b)]) == 2
    assert "share no id" in capsys.readouterr().err


def test_a_repeated_identical_label_counts_once(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", [("c1", "ELOGIO"), ("c1", "elogio"), ("c2", "SPAM")])
    assert read_labels(path) == {"c1": "ELOGIO", "c2": "SPAM"}


def test_the_retest_file_holds_labels_of_pool_label_ids_only() -> None:
    """The second pass is keyed by id, no text copied, and only re-labels rows of the first pass."""
    retest = ROOT / "evals" / "pool_labels_retest.csv"
    with retest.open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "id,categoria"
    second = read_labels(retest)
    first = read_labels(ROOT / "evals" / "pool_labels.csv")
    assert len(second) == 200 and second.keys() <= first.keys()
    proc = subprocess.run([sys.executable, "-m", "evals.agreement", str(ROOT / "evals" / "pool_labels.csv"), str(retest)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.startswith("n=200 agreement=")
