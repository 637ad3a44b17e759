"""What callbacks and routes share, reached through the running Flask app (no module globals).

``create_app`` stores the settings, the engine and the shared cache in ``server.extensions``;
callbacks run inside a request, so ``current_app`` finds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from alumusic.repositories.report import fetch_report
from alumusic.settings import Settings
from dashboard.cache import SharedCache

EXTENSION = "alumusic_dashboard"
FILTER_OPTIONS_SECONDS = 300


@dataclass(frozen=True)
class DashboardContext:
    settings: Settings
    engine: sa.Engine
    cache: SharedCache


def get() -> DashboardContext:
    return current_app.extensions[EXTENSION]


def engine() -> sa.Engine:
    return get().engine


def settings() -> Settings:
    return get().settings


def report() -> dict:
    """The report's data, recomputed at most once per REPORT_CACHE_SECONDS for all viewers."""
    ctx = get()
    return ctx.cache.get_or_compute("relatorio-semana", lambda: fetch_report(ctx.engine),
                                    ctx.settings.report_cache_seconds)


def filter_options() -> dict:
    from dashboard.comment_table import filter_options as query

    ctx = get()

    def compute() -> dict:
        with ctx.engine.connect() as conn:
            return query(conn)

    return ctx.cache.get_or_compute("opcoes-filtro", compute, FILTER_OPTIONS_SECONDS)
