"""Liveness and readiness: is the process up, does the database answer."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

bp = Blueprint("health", __name__)


@bp.get("/api/health")
def health():
    from alumusic.db import get_engine

    try:
        with get_engine().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return jsonify(status="indisponivel", banco="erro", detalhe=type(exc).__name__), 503
    return jsonify(status="ok", banco="ok")
