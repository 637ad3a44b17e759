"""Liveness and readiness: is the process up, does the database answer."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from flask import Blueprint, jsonify
from pydantic import BaseModel

from alumusic.metrics import API_DB_UNAVAILABLE
from api.errors import DB_RETRY_AFTER_SECONDS
from api.openapi import doc

bp = Blueprint("health", __name__)


class Saude(BaseModel):
    status: Literal["ok", "indisponivel"]
    banco: Literal["ok", "erro"]
    detalhe: str | None = None


@bp.get("/api/health")
@doc(ok={200: Saude, 503: Saude}, tags=["saude"])
def health():
    """Processo no ar e banco respondendo (503 + Retry-After quando o banco não responde)."""
    from api import database

    try:
        database.run(lambda conn: conn.execute(sa.text("SELECT 1")))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        API_DB_UNAVAILABLE.inc()
        resp = jsonify(status="indisponivel", banco="erro", detalhe=type(exc).__name__)
        resp.headers["Retry-After"] = str(DB_RETRY_AFTER_SECONDS)
        return resp, 503
    return jsonify(status="ok", banco="ok")
