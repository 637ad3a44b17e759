"""Spike alerts: a rise in criticism share, in volume or a SPAM wave per artist, album or tag.

``detection`` is the arithmetic (pure), ``service`` runs it over the database and mails new
alerts, ``message`` is the e-mail. SQL lives in ``alumusic.repositories.alerts``.
"""
