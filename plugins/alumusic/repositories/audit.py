"""Audit trails of what left the private area or was erased: tables ``exportacoes`` and ``apagamentos``.

An export is recorded when it starts (who, how, which filters, format, whether personal data was
included) and its row count when it ends; a streamed export that the client abandons keeps
``linhas`` NULL. Erasures are recorded by ``repositories.erasure``; both are listed to admins.
"""

from __future__ import annotations

import json

import sqlalchemy as sa


def record_export(conn: sa.Connection, *, usuario: str, origem: str, filtros: dict, formato: str,
                  dados_pessoais: str, linhas: int | None = None) -> int:
    return conn.execute(
        sa.text("INSERT INTO exportacoes (usuario, origem, filtros, formato, dados_pessoais, linhas) "
                "VALUES (:u, :o, CAST(:f AS jsonb), :fmt, :dp, :n) RETURNING id"),
        {"u": usuario, "o": origem, "f": json.dumps({k: v for k, v in filtros.items() if v}, ensure_ascii=False),
         "fmt": formato, "dp": dados_pessoais, "n": linhas},
    ).scalar_one()


def finish_export(conn: sa.Connection, export_id: int, linhas: int) -> None:
    conn.execute(sa.text("UPDATE exportacoes SET linhas = :n WHERE id = :id"), {"n": linhas, "id": export_id})


def recent_exports(conn: sa.Connection, limit: int = 100) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(
        "SELECT feito_em, usuario, origem, filtros, formato, dados_pessoais, linhas FROM exportacoes "
        "ORDER BY feito_em DESC, id DESC LIMIT :n"), {"n": limit})]


def recent_erasures(conn: sa.Connection, limit: int = 100) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(
        "SELECT feito_em, autor, origem, motivo, criterio, quantidade FROM apagamentos "
        "ORDER BY feito_em DESC, id DESC LIMIT :n"), {"n": limit})]
