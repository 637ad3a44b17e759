"""``alertas``: spike alerts per subject (artist, album, tag) and kind (criticism, volume, SPAM).

At most one open alert per (subject, kind) — a partial unique index (migration 0014) — so later
evidence updates the open one instead of firing again; ``fechado_em`` set means the signal fell
back. ``notificado_em`` is set once SMTP accepted the alert's e-mail, so each alert is mailed
once, when opened (a failed attempt keeps its error and is retried by the next run).

The counts the detector reads come from ``window_counts``: classified comments (their current
classification) in seven-day windows ending at ``agora``, by received time, window 0 being the
last seven days. Functions take a SQLAlchemy ``Connection``; the caller owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

ARTISTA, ALBUM, TAG = "artista", "album", "tag"
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class Subject:
    tipo: str  # artista | album | tag
    artista: str | None = None
    album: str | None = None
    tag: str | None = None

    @property
    def chave(self) -> str:
        """The stable key the one-open-alert rule is about."""
        if self.tipo == ARTISTA:
            return f"artista:{self.artista}"
        if self.tipo == ALBUM:
            return f"album:{self.artista}\x1f{self.album}"
        return f"tag:{self.tag}"


@dataclass(frozen=True)
class WindowCount:
    subject: Subject
    janela: int  # 0 = the last seven days, 1.. = the weeks before
    total: int
    criticas: int
    spam: int


@dataclass(frozen=True)
class Alert:
    id: int
    tipo: str
    subject: Subject
    rotulo: str  # how the UI names the subject
    aberto_em: datetime
    atualizado_em: datetime
    fechado_em: datetime | None
    janela_inicio: datetime
    janela_fim: datetime
    evidencia: dict
    explicacao: str
    atualizacoes: int
    reconhecido_por: str | None
    reconhecido_em: datetime | None
    notificado_em: datetime | None
    ultimo_erro_envio: str | None


# One scan of the windows' comments feeds the three subject kinds (grouping sets). Every comment
# with a current label counts (categoria_atual and classificacao_atual_id, kept by 0006's trigger,
# as the report's views read them): a range of comentarios_janela_atual_idx instead of a join with
# every classification, and the tags probed per comment (OFFSET 0: the planner would hash the
# whole tag table). 13 s → 3 s at 10M comments (bench/scale.py), the same counts.
_WINDOW_COUNTS = sa.text("""
    WITH base AS MATERIALIZED (
        SELECT c.artista, c.album, c.classificacao_atual_id AS kid, c.categoria_atual AS categoria,
               floor(extract(epoch FROM (CAST(:agora AS timestamptz) - c.recebido_em)) / 604800)::int AS janela
          FROM comentarios c
         WHERE c.recebido_em > CAST(:agora AS timestamptz) - make_interval(days => 7 * :semanas)
           AND c.recebido_em <= CAST(:agora AS timestamptz)
           AND c.categoria_atual IS NOT NULL
    )
    SELECT CASE WHEN GROUPING(album) = 0 THEN 'album' ELSE 'artista' END AS tipo,
           artista, CASE WHEN GROUPING(album) = 0 THEN album END AS album, NULL::text AS tag, janela,
           count(*)::int AS total,
           (count(*) FILTER (WHERE categoria = 'CRÍTICA'))::int AS criticas,
           (count(*) FILTER (WHERE categoria = 'SPAM'))::int AS spam
      FROM base WHERE artista IS NOT NULL
     GROUP BY GROUPING SETS ((artista, janela), (artista, album, janela))
    HAVING GROUPING(album) = 1 OR album IS NOT NULL
    UNION ALL
    SELECT 'tag', NULL, NULL, t.codigo, b.janela, count(*)::int,
           (count(*) FILTER (WHERE b.categoria = 'CRÍTICA'))::int,
           (count(*) FILTER (WHERE b.categoria = 'SPAM'))::int
      FROM base b CROSS JOIN LATERAL (SELECT t.codigo FROM classificacao_tags t
                                       WHERE t.classificacao_id = b.kid OFFSET 0) t
     GROUP BY t.codigo, b.janela
""")

_COLUMNS = ("a.id, a.tipo, a.assunto_tipo, a.artista, a.album, a.tag, a.aberto_em, a.atualizado_em, a.fechado_em, "
            "a.janela_inicio, a.janela_fim, a.evidencia, a.explicacao, a.atualizacoes, a.reconhecido_por, "
            "a.reconhecido_em, a.notificado_em, a.ultimo_erro_envio, x.rotulo AS tag_rotulo")
_FROM = "alertas a LEFT JOIN taxonomia_tags x ON x.codigo = a.tag"


def window_counts(conn: sa.Connection, agora: datetime, *, semanas: int) -> list[WindowCount]:
    """Counts per subject and window over ``semanas`` seven-day windows ending at ``agora``."""
    rows = conn.execute(_WINDOW_COUNTS, {"agora": agora, "semanas": semanas}).mappings()
    return [WindowCount(Subject(r["tipo"], r["artista"], r["album"], r["tag"]), r["janela"], r["total"],
                        r["criticas"], r["spam"]) for r in rows]


def open_alerts(conn: sa.Connection) -> dict[tuple[str, str], Alert]:
    """Open alerts keyed by (subject key, kind)."""
    rows = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.fechado_em IS NULL")).mappings()
    return {(a.subject.chave, a.tipo): a for a in map(_alert, rows)}


def open_alert(conn: sa.Connection, subject: Subject, tipo: str, *, janela: tuple[datetime, datetime],
               evidencia: dict, explicacao: str) -> int | None:
    """Open an alert; None when one is already open for (subject, kind) (a concurrent run won)."""
    return conn.execute(sa.text("""
        INSERT INTO alertas (tipo, assunto_tipo, artista, album, tag, chave, janela_inicio, janela_fim,
                             evidencia, evidencia_inicial, explicacao)
        VALUES (:tipo, :assunto_tipo, :artista, :album, :tag, :chave, :inicio, :fim,
                CAST(:evidencia AS jsonb), CAST(:evidencia AS jsonb), :explicacao)
        ON CONFLICT (chave, tipo) WHERE fechado_em IS NULL DO NOTHING
        RETURNING id"""), {
        "tipo": tipo, "assunto_tipo": subject.tipo, "artista": subject.artista, "album": subject.album,
        "tag": subject.tag, "chave": subject.chave, "inicio": janela[0], "fim": janela[1],
        "evidencia": json.dumps(evidencia), "explicacao": explicacao}).scalar()


def update_alert(conn: sa.Connection, alert_id: int, *, janela: tuple[datetime, datetime], evidencia: dict,
                 explicacao: str) -> None:
    conn.execute(sa.text("""
        UPDATE alertas SET evidencia = CAST(:evidencia AS jsonb), explicacao = :explicacao, janela_inicio = :inicio,
               janela_fim = :fim, atualizado_em = now(), atualizacoes = atualizacoes + 1
         WHERE id = :id AND fechado_em IS NULL"""), {
        "id": alert_id, "evidencia": json.dumps(evidencia), "explicacao": explicacao,
        "inicio": janela[0], "fim": janela[1]})


def close_alert(conn: sa.Connection, alert_id: int, *, evidencia: dict) -> None:
    conn.execute(sa.text("""
        UPDATE alertas SET fechado_em = now(), atualizado_em = now(), evidencia = CAST(:evidencia AS jsonb)
         WHERE id = :id AND fechado_em IS NULL"""), {"id": alert_id, "evidencia": json.dumps(evidencia)})


def to_notify(conn: sa.Connection, *, for_update: bool = False) -> list[Alert]:
    """Alerts whose opening was never e-mailed (closed ones included: the curator should still hear of it)."""
    lock = " FOR UPDATE OF a" if for_update else ""
    rows = conn.execute(sa.text(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.notificado_em IS NULL ORDER BY a.aberto_em, a.id{lock}")).mappings()
    return [_alert(r) for r in rows]


def mark_notified(conn: sa.Connection, ids: Iterable[int], recipients: list[str]) -> None:
    conn.execute(sa.text("""
        UPDATE alertas SET notificado_em = now(), destinatarios = :dest, tentativas_envio = tentativas_envio + 1,
               ultimo_erro_envio = NULL
         WHERE id = ANY(:ids)"""), {"ids": list(ids), "dest": recipients})


def mark_failed(conn: sa.Connection, ids: Iterable[int], error: str) -> None:
    conn.execute(sa.text("""
        UPDATE alertas SET tentativas_envio = tentativas_envio + 1, ultimo_erro_envio = :erro WHERE id = ANY(:ids)"""),
        {"ids": list(ids), "erro": error[:MAX_ERROR_CHARS]})


def acknowledge(conn: sa.Connection, alert_id: int, curator: str) -> bool:
    """Record that ``curator`` has seen the alert; False when there is no such alert or it was acknowledged."""
    return conn.execute(sa.text("""
        UPDATE alertas SET reconhecido_por = :por, reconhecido_em = now()
         WHERE id = :id AND reconhecido_em IS NULL"""), {"id": alert_id, "por": curator}).rowcount == 1


def listing(conn: sa.Connection, *, include_closed: bool, limit: int = 100) -> list[Alert]:
    """Open alerts first (unacknowledged before acknowledged), then the most recently closed."""
    where = "" if include_closed else "WHERE a.fechado_em IS NULL"
    rows = conn.execute(sa.text(f"""
        SELECT {_COLUMNS} FROM {_FROM} {where}
         ORDER BY (a.fechado_em IS NULL) DESC, (a.reconhecido_em IS NULL) DESC, a.atualizado_em DESC, a.id DESC
         LIMIT :limite"""), {"limite": limit}).mappings()
    return [_alert(r) for r in rows]


def get(conn: sa.Connection, alert_id: int) -> Alert | None:
    row = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.id = :id"), {"id": alert_id}).mappings().first()
    return _alert(row) if row else None


def comments_behind(conn: sa.Connection, alert: Alert, *, limit: int = 50) -> list[dict]:
    """The comments in the alert's window that make its signal (criticism, SPAM, or all for volume)."""
    # Every comment with a current label, as window_counts counts them.
    where, params = ["c.recebido_em > :inicio", "c.recebido_em <= :fim"], {
        "inicio": alert.janela_inicio, "fim": alert.janela_fim, "limite": limit}
    s = alert.subject
    if s.tipo == TAG:
        where.append("EXISTS (SELECT 1 FROM classificacao_tags t WHERE t.classificacao_id = k.id AND t.codigo = :tag)")
        params["tag"] = s.tag
    else:
        where.append("c.artista = :artista")
        params["artista"] = s.artista
        if s.tipo == ALBUM:
            where.append("c.album = :album")
            params["album"] = s.album
    if alert.tipo in ("critica", "spam"):
        where.append("k.categoria = :categoria")
        params["categoria"] = "CRÍTICA" if alert.tipo == "critica" else "SPAM"
    rows = conn.execute(sa.text(f"""
        SELECT c.id::text AS id, c.texto, c.artista, c.album, c.recebido_em, k.categoria, k.confianca
          FROM comentarios c JOIN classificacoes k ON k.id = c.classificacao_atual_id
         WHERE {' AND '.join(where)}
         ORDER BY c.recebido_em DESC, c.id DESC LIMIT :limite"""), params).mappings()
    return [dict(r) for r in rows]


def _alert(r) -> Alert:
    subject = Subject(r["assunto_tipo"], r["artista"], r["album"], r["tag"])
    if subject.tipo == TAG:
        rotulo = f"tag {r['tag_rotulo'] or r['tag']}"
    elif subject.tipo == ALBUM:
        rotulo = f"{r['artista']} — {r['album']}"
    else:
        rotulo = r["artista"]
    return Alert(r["id"], r["tipo"], subject, rotulo, r["aberto_em"], r["atualizado_em"], r["fechado_em"],
                 r["janela_inicio"], r["janela_fim"], r["evidencia"], r["explicacao"], r["atualizacoes"],
                 r["reconhecido_por"], r["reconhecido_em"], r["notificado_em"], r["ultimo_erro_envio"])
