"""API clients: who may call the API, with which roles. Secrets are stored as argon2id hashes only.

Roles: ``ingest`` (POST comments), ``read`` (GET comments, insights, releases), ``catalogo`` (manage the
release catalog, migration 0013), ``admin`` (everything).
A revoked client stays in the table (for the audit trail) with ``ativo = false``; the API checks
the client on every request, so its tokens stop working.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("ingest", "read", "catalogo", "admin")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")

# argon2-cffi defaults: argon2id, RFC 9106 "low memory" profile (t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()
# Verified when the client does not exist, so a wrong name costs as much as a wrong secret.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

_COLS = "id, nome, papeis, ativo, criado_em, revogado_em"


@dataclass(frozen=True)
class ApiClient:
    id: int
    nome: str
    papeis: tuple[str, ...]
    ativo: bool
    criado_em: datetime
    revogado_em: datetime | None = None


def _row(row) -> ApiClient:
    return ApiClient(row.id, row.nome, tuple(row.papeis), row.ativo, row.criado_em, row.revogado_em)


def parse_roles(roles: str | Iterable[str]) -> tuple[str, ...]:
    """``"ingest,read"`` or an iterable → validated, de-duplicated roles (ValueError in pt-BR)."""
    items = roles.split(",") if isinstance(roles, str) else list(roles)
    parsed: list[str] = []
    for item in (r.strip() for r in items):
        if not item:
            continue
        if item not in ROLES:
            raise ValueError(f"papel desconhecido: {item!r} (use {', '.join(ROLES)})")
        if item not in parsed:
            parsed.append(item)
    if not parsed:
        raise ValueError("informe ao menos um papel")
    return tuple(parsed)


def create_client(conn: sa.Connection, nome: str, papeis: str | Iterable[str]) -> tuple[ApiClient, str]:
    """Create a client; returns it with its secret, which is shown once and never stored in clear."""
    if not _NAME_RE.match(nome or ""):
        raise ValueError("nome inválido: 3 a 64 caracteres entre letras, dígitos, '_', '.' e '-'")
    roles = parse_roles(papeis)
    secret = secrets.token_urlsafe(32)
    row = conn.execute(
        sa.text(
            f"INSERT INTO api_clientes (nome, segredo_hash, papeis) VALUES (:nome, :hash, :papeis) "
            f"ON CONFLICT (nome) DO NOTHING RETURNING {_COLS}"
        ),
        {"nome": nome, "hash": _hasher.hash(secret), "papeis": list(roles)},
    ).first()
    if row is None:
        raise ValueError(f"já existe um cliente chamado {nome!r}")
    return _row(row), secret


def get_client(conn: sa.Connection, nome: str) -> ApiClient | None:
    row = conn.execute(sa.text(f"SELECT {_COLS} FROM api_clientes WHERE nome = :nome"), {"nome": nome}).first()
    return _row(row) if row else None


def list_clients(conn: sa.Connection) -> list[ApiClient]:
    return [_row(r) for r in conn.execute(sa.text(f"SELECT {_COLS} FROM api_clientes ORDER BY nome"))]


def revoke_client(conn: sa.Connection, nome: str) -> bool:
    """Deactivate the client; False when no active client has that name."""
    row = conn.execute(
        sa.text("UPDATE api_clientes SET ativo = false, revogado_em = now() WHERE nome = :nome AND ativo RETURNING id"),
        {"nome": nome},
    ).first()
    return row is not None


def authenticate(conn: sa.Connection, nome: str, segredo: str) -> ApiClient | None:
    """The active client when ``segredo`` matches its hash, else None (same cost either way)."""
    row = conn.execute(
        sa.text(f"SELECT {_COLS}, segredo_hash FROM api_clientes WHERE nome = :nome"), {"nome": nome}
    ).first()
    stored = row.segredo_hash if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, segredo)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.ativo:
        return None
    return _row(row)
