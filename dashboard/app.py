"""Dash application factory."""

from __future__ import annotations

import dash
from dash import html
from flask import Flask, jsonify


def create_app() -> dash.Dash:
    server = Flask(__name__)

    @server.get("/health")
    def health():
        return jsonify(status="ok")

    app = dash.Dash(__name__, server=server, title="AluMusic Insights")
    app.layout = html.Div([html.H1("AluMusic Insights")])
    return app
