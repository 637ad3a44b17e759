"""The product database engine for the current Flask app.

``DATABASE_URL`` in the app config overrides the settings (tests point an app at a refusing
server this way); otherwise the shared engine of ``alumusic.db`` is used.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from alumusic.db import get_engine


def engine() -> sa.Engine:
    return get_engine(current_app.config.get("DATABASE_URL"))
