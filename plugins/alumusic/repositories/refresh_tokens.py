"""API refresh tokens (table ``api_refresh_tokens``): each is good once, and a reused one revokes
its family.

A family starts at every credentials login (``POST /api/auth/token``). ``POST /api/auth/refresh``
spends the presented token (by its JWT ``jti``) and issues the next one in the same family. A
token presented after it was spent means it was copied (the thief's or the owner's use came
first): the whole family is revoked, so neither copy nor its successors work any more, and the
client has to log in with its secret again.
"""

from __future__ import annotations

import random
from typing import Literal
from uuid import UUID

import sqlalchemy as sa

ROTACIONADO, REUTILIZADO, INVALIDO = "rotacionado", "reutilizado", "invalido"
# Rows expired for a day are deleted now and then by logins themselves: no cron job needed.
PURGE_PROBABILITY = 0.01

_ROTATE = sa.text(
    """
    WITH gasto AS (
        UPDATE api_refresh_tokens SET usado_em = now()
        WHERE jti = CAST(:jti AS uuid) AND cliente_id = :cliente_id
          AND usado_em IS NULL AND revogado_em IS NULL AND expira_em > now()
        RETURNING familia, cliente_id
    )
    INSERT INTO api_refresh_tokens (jti, familia, cliente_id, expira_em)
    SELECT CAST(:novo AS uuid), familia, cliente_id, now() + make_interval(secs => :segundos) FROM gasto
    RETURNING familia
    """
)

_REVOKE_REUSED = sa.text(
    """
    WITH reusado AS (
        SELECT familia FROM api_refresh_tokens WHERE jti = CAST(:jti AS uuid) AND usado_em IS NOT NULL
    ), revogados AS (
        UPDATE api_refresh_tokens SET revogado_em = now()
        WHERE familia IN (SELECT familia FROM reusado) AND revogado_em IS NULL
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM reusado), (SELECT count(*) FROM revogados)
    """
)


def start_family(conn: sa.Connection, jti: UUID | str, cliente_id: int, seconds: float) -> None:
    """Record the first refresh token of a new family (a login). Idempotent (may be retried)."""
    conn.execute(
        sa.text("INSERT INTO api_refresh_tokens (jti, familia, cliente_id, expira_em) "
                "VALUES (CAST(:jti AS uuid), gen_random_uuid(), :cliente_id, now() + make_interval(secs => :segundos)) "
                "ON CONFLICT (jti) DO NOTHING"),
        {"jti": str(jti), "cliente_id": cliente_id, "segundos": float(seconds)},
    )
    if random.random() < PURGE_PROBABILITY:
        conn.execute(sa.text("DELETE FROM api_refresh_tokens WHERE expira_em < now() - interval '1 day'"))


def rotate(
    conn: sa.Connection, jti: UUID | str, cliente_id: int, novo_jti: UUID | str, seconds: float
) -> Literal["rotacionado", "reutilizado", "invalido"]:
    """Spend refresh token ``jti`` of ``cliente_id`` and record ``novo_jti`` in its family.

    ``rotacionado``: done (one statement: spent and successor together, or neither).
    ``reutilizado``: ``jti`` was already spent; its family is now revoked. ``invalido``: unknown,
    another client's, expired or revoked. Not idempotent: a retry after a commit whose answer was
    lost finds the token spent and revokes the family (the client logs in again: fails closed).
    """
    params = {"jti": str(jti), "cliente_id": cliente_id, "novo": str(novo_jti), "segundos": float(seconds)}
    if conn.execute(_ROTATE, params).first() is not None:
        return ROTACIONADO
    reused, _ = conn.execute(_REVOKE_REUSED, {"jti": str(jti)}).one()
    return REUTILIZADO if reused else INVALIDO
