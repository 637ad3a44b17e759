"""Liveness and readiness: is the process up, does the database answer."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from api.errors import DB_RETRY_AFTER_SECONDS

bp = Blueprint("health", __name__)


@bp.get("/api/health")
def health():
    from api import database

    try:
        database.run(lambda conn: conn.execute(sa.text("SELECT 1")))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        resp = jsonify(status="indisponivel", banco="erro", detalhe=type(exc).__name__)
        resp.headers["Retry-After"] = str(DB_RETRY_AFTER_SECONDS)
        return resp, 503
    return jsonify(status="ok", banco="ok")
