"""Where the project's files live, resolved once so every entry point agrees."""

from __future__ import annotations

import os
from pathlib import Path

# plugins/alumusic/paths.py -> repository root (also /opt/alumusic in the Docker image).
PROJECT_ROOT = Path(os.environ.get("ALUMUSIC_ROOT", Path(__file__).resolve().parents[2]))
SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
