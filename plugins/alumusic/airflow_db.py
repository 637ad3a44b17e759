"""The product database as seen from Airflow tasks: the postgres provider's connection ``alumusic_db``.

Every DAG reaches the product database this way (``AIRFLOW_CONN_ALUMUSIC_DB``, or a connection
made in the UI), turned into our own pooled engine (``alumusic.db.get_engine``) so tasks run the
same repository code as the API. No task ever starts a database server.

A Unix-socket server is a connection whose host is the socket directory (e.g. the JSON form
``{"conn_type": "postgres", "host": "/path/to/socket/dir", ...}``).
"""

from __future__ import annotations

import sqlalchemy as sa

CONN_ID = "alumusic_db"


def product_url(conn_id: str = CONN_ID) -> sa.URL:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=conn_id).sqlalchemy_url


def product_engine(conn_id: str = CONN_ID) -> sa.Engine:
    from alumusic.db import get_engine

    return get_engine(product_url(conn_id))


def connection_json(url: str) -> str:
    """``AIRFLOW_CONN_ALUMUSIC_DB`` for a product database URL (socket directories included)."""
    import json

    u = sa.make_url(url)
    host = u.host or u.query.get("host")
    fields = {"conn_type": "postgres", "host": host, "port": u.port, "login": u.username,
              "password": u.password, "schema": u.database}
    return json.dumps({k: v for k, v in fields.items() if v is not None})
