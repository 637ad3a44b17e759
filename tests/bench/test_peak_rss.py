"""The export benchmark's memory figure is the exporting process's own: a child started from a
big benchmark process must not report the parent's peak (``ru_maxrss`` does, on Linux)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARENT_MB = 600

# A parent that touches PARENT_MB, then starts the child as bench.dashboard starts --export-child.
_PARENT = f"""
import json, resource, subprocess, sys
ballast = bytearray({PARENT_MB} * 2**20)
ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page: resident, not just reserved
child = ("import json, resource; from bench.dashboard import peak_rss_mb; "
         "print(json.dumps([peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))")
out = subprocess.run([sys.executable, "-c", child], check=True, capture_output=True, text=True)
print(json.dumps({{"child": json.loads(out.stdout), "parent": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def test_a_child_of_a_big_process_reports_its_own_peak_not_the_parents():
    out = subprocess.run([sys.executable, "-c", _PARENT], check=True, capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    own, inherited = result["child"]
    assert result["parent"] >= PARENT_MB  # the ballast was resident
    assert inherited >= PARENT_MB  # what the benchmark used to read: the parent's peak
    assert 0 < own < PARENT_MB / 2, result  # the child's own (imports of dash, pandas, SQLAlchemy: ~100-200 MB)


def test_the_peak_follows_what_the_process_itself_touches():
    code = ("import json; from bench.dashboard import peak_rss_mb; a = peak_rss_mb(); "
            "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); print(json.dumps([a, peak_rss_mb()]))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    before, after = json.loads(out.stdout)
    assert after - before >= 290
