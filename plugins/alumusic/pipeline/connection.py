"""The product database as seen from Airflow: the postgres provider's connection ``alumusic_db``.

The connection (``AIRFLOW_CONN_ALUMUSIC_DB`` or one made in the UI) is turned into our own
SQLAlchemy engine (``alumusic.db.get_engine``) so the pipeline runs the same code as the API.
"""

from __future__ import annotations

import sqlalchemy as sa

CONN_ID = "alumusic_db"

# libpq parameters that may sit in the connection's extras (``?host=/socket/dir`` for a Unix
# socket, ``?sslmode=require``...); Airflow-only extras (cursor, iam, ...) are left out.
_LIBPQ_EXTRAS = {
    "host", "hostaddr", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "application_name",
    "target_session_attrs", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "connect_timeout", "gssencmode", "channel_binding",
}


def url_from_airflow(conn_id: str = CONN_ID) -> sa.URL:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    conn = PostgresHook(postgres_conn_id=conn_id).connection
    query = {k: str(v) for k, v in conn.extra_dejson.items() if k in _LIBPQ_EXTRAS}
    return sa.URL.create(
        "postgresql+psycopg2",
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
        query=query,
    )


def product_engine(conn_id: str = CONN_ID) -> sa.Engine:
    from alumusic.db import get_engine

    return get_engine(url_from_airflow(conn_id).render_as_string(hide_password=False))
