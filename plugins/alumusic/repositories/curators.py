"""Curator accounts and their sessions (tables ``curadores`` and ``curador_sessoes``, migration 0007).

- Roles: ``curador`` (search, correct, export, ask) and ``admin`` (everything a curator does,
  plus what later needs it). Passwords are argon2id hashes; an account may have no password
  when its owner logs in through OIDC only.
- Checking a password costs one argon2 verification whether the account exists, is disabled, has
  no password or has another one: the answer's timing does not tell which user names exist.
- Sessions are server-side rows keyed by the SHA-256 of a random token; the browser's (signed)
  cookie carries the token. Logging out or disabling an account deletes its rows: on every
  worker, the next request of that browser is anonymous.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("curador", "admin")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.@-]{2,63}$")
MAX_PASSWORD = 256

hasher = PasswordHasher()  # argon2-cffi defaults: argon2id, RFC 9106 low-memory profile
# Verified when there is no usable hash, so every failed login costs one full verification.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))

_COLS = "c.id, c.usuario, c.nome, c.email, c.papel, c.ativo, c.criado_em, c.ultimo_login_em"


@dataclass(frozen=True)
class Curator:
    id: int
    usuario: str
    nome: str | None
    email: str | None
    papel: str
    ativo: bool
    criado_em: datetime
    ultimo_login_em: datetime | None = None
    session_token: str | None = None  # set when loaded from a session

    @property
    def exibicao(self) -> str:
        """How the UI names this person."""
        return self.nome or self.usuario

    # --- flask-login's user protocol ---------------------------------------------------------
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.ativo

    def get_id(self) -> str | None:
        # flask-login's "alternative token": the session token, not the account id, so logging
        # out (deleting the row) invalidates the cookie even if someone kept a copy.
        return self.session_token


def _curator(row, token: str | None = None) -> Curator:
    return Curator(row.id, row.usuario, row.nome, row.email, row.papel, row.ativo, row.criado_em,
                   row.ultimo_login_em, token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_username(usuario: str) -> str:
    usuario = (usuario or "").strip().lower()
    if not USERNAME_RE.match(usuario):
        raise ValueError("usuário inválido: 3 a 64 caracteres entre letras minúsculas, dígitos, '_', '.', '@' e '-'")
    return usuario


def validate_role(papel: str) -> str:
    if papel not in ROLES:
        raise ValueError(f"papel desconhecido: {papel!r} (use {' ou '.join(ROLES)})")
    return papel


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def create(conn: sa.Connection, usuario: str, papel: str = "curador", *, nome: str | None = None,
           email: str | None = None, password: str | None = None, with_password: bool = True
           ) -> tuple[Curator, str | None]:
    """Create an account; returns it with its password (generated unless given; None without one)."""
    usuario, papel = validate_username(usuario), validate_role(papel)
    if with_password and password is None:
        password = generate_password()
    row = conn.execute(
        sa.text(
            "INSERT INTO curadores AS c (usuario, nome, email, senha_hash, papel) "
            "VALUES (:usuario, :nome, :email, :hash, :papel) ON CONFLICT DO NOTHING "
            f"RETURNING {_COLS}"
        ),
        {"usuario": usuario, "nome": nome, "email": (email or None) and email.strip().lower(),
         "hash": hasher.hash(password) if password else None, "papel": papel},
    ).first()
    if row is None:
        raise ValueError(f"já existe uma conta com o usuário {usuario!r} ou o e-mail {email!r}")
    return _curator(row), password


def get(conn: sa.Connection, usuario: str) -> Curator | None:
    row = conn.execute(sa.text(f"SELECT {_COLS} FROM curadores c WHERE c.usuario = :u"),
                       {"u": (usuario or "").strip().lower()}).first()
    return _curator(row) if row else None


def find_by_email(conn: sa.Connection, email: str) -> Curator | None:
    row = conn.execute(sa.text(f"SELECT {_COLS} FROM curadores c WHERE c.email = :e"),
                       {"e": (email or "").strip().lower()}).first()
    return _curator(row) if row else None


def list_all(conn: sa.Connection) -> list[Curator]:
    return [_curator(r) for r in conn.execute(sa.text(f"SELECT {_COLS} FROM curadores c ORDER BY c.usuario"))]


def count_active(conn: sa.Connection) -> int:
    return conn.execute(sa.text("SELECT count(*) FROM curadores WHERE ativo")).scalar_one()


def set_password(conn: sa.Connection, usuario: str, password: str | None = None) -> str:
    """Replace the password (generated unless given) and end the account's sessions."""
    password = password or generate_password()
    row = conn.execute(sa.text("UPDATE curadores SET senha_hash = :h WHERE usuario = :u RETURNING id"),
                       {"h": hasher.hash(password), "u": validate_username(usuario)}).first()
    if row is None:
        raise ValueError(f"nenhuma conta com o usuário {usuario!r}")
    conn.execute(sa.text("DELETE FROM curador_sessoes WHERE curador_id = :id"), {"id": row.id})
    return password


def disable(conn: sa.Connection, usuario: str) -> bool:
    """Disable the account and end its sessions; False when no active account has that name."""
    row = conn.execute(
        sa.text("UPDATE curadores SET ativo = false, desativado_em = now() WHERE usuario = :u AND ativo RETURNING id"),
        {"u": (usuario or "").strip().lower()},
    ).first()
    if row is None:
        return False
    conn.execute(sa.text("DELETE FROM curador_sessoes WHERE curador_id = :id"), {"id": row.id})
    return True


def authenticate(conn: sa.Connection, usuario: str, password: str) -> Curator | None:
    """The active account when ``password`` matches, else None; one argon2 verification either way."""
    row = None
    # A name with NUL is no account (PostgreSQL text cannot hold it): the dummy verification, no query.
    if (isinstance(usuario, str) and len(usuario) <= 64 and "\x00" not in usuario
            and isinstance(password, str) and len(password) <= MAX_PASSWORD):
        row = conn.execute(sa.text(f"SELECT {_COLS}, c.senha_hash FROM curadores c WHERE c.usuario = :u"),
                           {"u": usuario.strip().lower()}).first()
    stored = row.senha_hash if row is not None and row.senha_hash else _DUMMY_HASH
    try:
        hasher.verify(stored, password if isinstance(password, str) else "")
        matched = stored is not _DUMMY_HASH
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched or row is None or not row.ativo:
        return None
    return _curator(row)


# --- sessions ---------------------------------------------------------------------------------
def open_session(conn: sa.Connection, curator: Curator, lifetime: timedelta, metodo: str = "senha") -> Curator:
    """Start a session for ``curator``; returns it carrying the new session token."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        sa.text("INSERT INTO curador_sessoes (token_hash, curador_id, expira_em, metodo) "
                "VALUES (:h, :id, now() + make_interval(secs => :s), :m)"),
        {"h": _digest(token), "id": curator.id, "s": lifetime.total_seconds(), "m": metodo},
    )
    conn.execute(sa.text("UPDATE curadores SET ultimo_login_em = now() WHERE id = :id"), {"id": curator.id})
    # Expired sessions of anyone are swept here: logins are rare, so this costs nothing.
    conn.execute(sa.text("DELETE FROM curador_sessoes WHERE expira_em < now()"))
    return Curator(**{**curator.__dict__, "session_token": token})


def from_session(conn: sa.Connection, token: str) -> Curator | None:
    """The active account of a live session, or None (expired, logged out, disabled)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    row = conn.execute(
        sa.text(f"SELECT {_COLS} FROM curador_sessoes s JOIN curadores c ON c.id = s.curador_id "
                "WHERE s.token_hash = :h AND s.expira_em > now() AND c.ativo"),
        {"h": _digest(token)},
    ).first()
    return _curator(row, token) if row else None


def close_session(conn: sa.Connection, token: str | None) -> None:
    if token:
        conn.execute(sa.text("DELETE FROM curador_sessoes WHERE token_hash = :h"), {"h": _digest(token)})
