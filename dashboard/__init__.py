"""Dash app: public report, private dashboard and insights (Dash Pages in ``pages/``)."""
