"""Insights Q&A endpoint (``POST /insights/perguntar``); filled by the weekly-summary work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("insights", __name__)
