"""What the status page and the ``/metrics`` collector read: the queue, classification activity,
failures by reason, Ollama hosts (calls and probes), and the last runs of the Airflow DAGs.

``pipeline_state`` is cheap enough for every scrape: counts of the small statuses through
``comentarios_status_idx``, the oldest pending through the queue index, and a 10-minute window of
``classificacoes`` through its ``criado_em`` index (the classified total is never counted).

``dag_runs`` reads Airflow's own metadata database (``dag_run``), read-only: Airflow 3 tasks have
no access to it, and the dashboard needs no Airflow credentials this way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from alumusic.repositories.literals import FALHOU, PENDENTE, PROCESSANDO

RATE_WINDOW_MINUTES = 10
ACTIVITY_KEEP_DAYS = 8


@dataclass(frozen=True)
class HostState:
    host: str
    chamadas: int
    erros: int
    segundos: float
    ultima_chamada_em: datetime | None
    ultimo_erro: str | None
    ultimo_erro_em: datetime | None
    sonda_ok: bool | None
    sonda_modelo: bool | None
    sonda_latencia_ms: float | None
    sonda_erro: str | None
    sondado_em: datetime | None


@dataclass(frozen=True)
class PipelineState:
    pendentes: int
    processando: int
    falharam: int
    idade_pendente_s: float | None
    pendente_desde: datetime | None
    por_minuto: dict[tuple[str, str], float]
    janela_minutos: int
    hosts: list[HostState] = field(default_factory=list)
    alarmes_abertos: set[str] = field(default_factory=set)


_COUNTS = sa.text(f"""
    SELECT
        (SELECT count(*) FROM comentarios WHERE status = {PENDENTE}) AS pendentes,
        (SELECT count(*) FROM comentarios WHERE status = {PROCESSANDO}) AS processando,
        (SELECT count(*) FROM comentarios WHERE status = {FALHOU}) AS falharam,
        (SELECT min(recebido_em) FROM comentarios WHERE status = {PENDENTE}) AS pendente_desde,
        now() AS agora
""")
_RATE = sa.text("""
    SELECT classificador, versao, count(*) AS n FROM classificacoes
    WHERE origem = 'automatica' AND criado_em > now() - make_interval(mins => :janela)
    GROUP BY classificador, versao
""")
_HOSTS = sa.text("SELECT * FROM ollama_hosts ORDER BY host")
_OPEN_ALARMS = sa.text("SELECT DISTINCT tipo FROM incidentes WHERE fechado_em IS NULL")


def pipeline_state(conn: sa.Connection, *, timeout_ms: int | None = 5000) -> PipelineState:
    """The queue's counts and age, classifications per minute by version, hosts, open alarm types."""
    if timeout_ms:  # a scrape must not pile up behind a slow query; local to this transaction
        conn.execute(sa.text("SELECT set_config('statement_timeout', :t, true)"), {"t": str(int(timeout_ms))})
    c = conn.execute(_COUNTS).mappings().one()
    idade = (c["agora"] - c["pendente_desde"]).total_seconds() if c["pendente_desde"] else None
    rate = {(r.classificador, r.versao): r.n / RATE_WINDOW_MINUTES
            for r in conn.execute(_RATE, {"janela": RATE_WINDOW_MINUTES})}
    return PipelineState(
        pendentes=c["pendentes"], processando=c["processando"], falharam=c["falharam"],
        idade_pendente_s=max(0.0, idade) if idade is not None else None, pendente_desde=c["pendente_desde"],
        por_minuto=rate, janela_minutos=RATE_WINDOW_MINUTES, hosts=hosts(conn),
        alarmes_abertos={r.tipo for r in conn.execute(_OPEN_ALARMS)},
    )


def hosts(conn: sa.Connection) -> list[HostState]:
    return [HostState(**r) for r in conn.execute(_HOSTS).mappings()]


# --- failures -------------------------------------------------------------------------------------------
# ultimo_erro is "ExceptionClass: message"; only the class is shown (the message may quote an answer).
_FAILURES = sa.text(f"""
    SELECT COALESCE(NULLIF(split_part(ultimo_erro, ':', 1), ''), 'desconhecido') AS motivo, count(*) AS n,
           max(recebido_em) AS ultimo
    FROM comentarios WHERE status = {FALHOU}
    GROUP BY 1 ORDER BY n DESC, motivo LIMIT :limite
""")


def failures_by_reason(conn: sa.Connection, *, limit: int = 20) -> list[dict]:
    """Failed comments grouped by the exception class of their last error, most common first."""
    return [dict(r) for r in conn.execute(_FAILURES, {"limite": limit}).mappings()]


# --- classification activity (written by classify_comments, read by the failure-rate alarm) ---------------
_ADD_ACTIVITY = sa.text("""
    INSERT INTO atividade_classificacao (minuto, classificados, erros, falharam)
    VALUES (date_trunc('minute', now()), :classificados, :erros, :falharam)
    ON CONFLICT (minuto) DO UPDATE SET
        classificados = atividade_classificacao.classificados + EXCLUDED.classificados,
        erros = atividade_classificacao.erros + EXCLUDED.erros,
        falharam = atividade_classificacao.falharam + EXCLUDED.falharam
""")
_ACTIVITY = sa.text("""
    SELECT COALESCE(sum(classificados), 0) AS classificados, COALESCE(sum(erros), 0) AS erros,
           COALESCE(sum(falharam), 0) AS falharam
    FROM atividade_classificacao WHERE minuto > now() - make_interval(mins => :janela)
""")
_PRUNE_ACTIVITY = sa.text("DELETE FROM atividade_classificacao WHERE minuto < now() - make_interval(days => :dias)")


def add_activity(conn: sa.Connection, *, classificados: int, erros: int, falharam: int) -> None:
    if classificados or erros or falharam:
        conn.execute(_ADD_ACTIVITY, {"classificados": classificados, "erros": erros, "falharam": falharam})


def activity(conn: sa.Connection, window_minutes: int) -> dict[str, int]:
    """Classified, failed attempts and comments that reached 'falhou' in the last ``window_minutes``."""
    return {k: int(v) for k, v in conn.execute(_ACTIVITY, {"janela": window_minutes}).mappings().one().items()}


def prune_activity(conn: sa.Connection, keep_days: int = ACTIVITY_KEEP_DAYS) -> int:
    return conn.execute(_PRUNE_ACTIVITY, {"dias": keep_days}).rowcount


# --- Ollama hosts ---------------------------------------------------------------------------------------
_ADD_CALLS = sa.text("""
    INSERT INTO ollama_hosts (host, chamadas, erros, segundos, ultima_chamada_em, ultimo_erro, ultimo_erro_em)
    VALUES (:host, :chamadas, :erros, :segundos, :ultima_chamada_em, :ultimo_erro, :ultimo_erro_em)
    ON CONFLICT (host) DO UPDATE SET
        chamadas = ollama_hosts.chamadas + EXCLUDED.chamadas,
        erros = ollama_hosts.erros + EXCLUDED.erros,
        segundos = ollama_hosts.segundos + EXCLUDED.segundos,
        ultima_chamada_em = GREATEST(ollama_hosts.ultima_chamada_em, EXCLUDED.ultima_chamada_em),
        ultimo_erro = COALESCE(EXCLUDED.ultimo_erro, ollama_hosts.ultimo_erro),
        ultimo_erro_em = COALESCE(EXCLUDED.ultimo_erro_em, ollama_hosts.ultimo_erro_em)
""")
_PROBE = sa.text("""
    INSERT INTO ollama_hosts (host, sonda_ok, sonda_modelo, sonda_latencia_ms, sonda_erro, sondado_em)
    VALUES (:host, :ok, :modelo, :latencia_ms, :erro, now())
    ON CONFLICT (host) DO UPDATE SET sonda_ok = EXCLUDED.sonda_ok, sonda_modelo = EXCLUDED.sonda_modelo,
        sonda_latencia_ms = EXCLUDED.sonda_latencia_ms, sonda_erro = EXCLUDED.sonda_erro, sondado_em = now()
""")
_FORGET = sa.text("DELETE FROM ollama_hosts WHERE NOT (host = ANY(:hosts))")


def add_host_calls(conn: sa.Connection, calls: Iterable) -> None:
    """Add ``metrics.HostCalls`` totals (calls, errors, seconds) to each host's counters."""
    rows = [{"host": c.host, "chamadas": c.chamadas, "erros": c.erros, "segundos": c.segundos,
             "ultima_chamada_em": c.ultima_chamada_em, "ultimo_erro": c.ultimo_erro,
             "ultimo_erro_em": c.ultimo_erro_em} for c in calls if c.chamadas]
    if rows:
        conn.execute(_ADD_CALLS, rows)


def record_probe(conn: sa.Connection, host: str, *, ok: bool, modelo: bool, latencia_ms: float | None,
                 erro: str | None) -> None:
    conn.execute(_PROBE, {"host": host, "ok": ok, "modelo": modelo, "latencia_ms": latencia_ms, "erro": erro})


def forget_hosts_except(conn: sa.Connection, hosts: list[str]) -> int:
    """Drop hosts no longer configured (their counters disappear from /metrics with them)."""
    return conn.execute(_FORGET, {"hosts": list(hosts)}).rowcount


# --- e-mails ---------------------------------------------------------------------------------------------
_LAST_SUMMARY = sa.text("SELECT semana, enviado_em, destinatarios FROM resumos_semanais WHERE enviado_em IS NOT NULL "
                        "ORDER BY enviado_em DESC LIMIT 1")


_LAST_INCIDENT = sa.text("SELECT 'pipeline' AS origem, tipo, chave, notificado_em, destinatarios FROM incidentes "
                         "WHERE notificado_em IS NOT NULL ORDER BY notificado_em DESC LIMIT 1")
# The curators' spike alerts (detect_alerts, migration 0014) keep their own table.
_LAST_SPIKE = sa.text("SELECT 'picos' AS origem, tipo, chave, notificado_em, destinatarios FROM alertas "
                      "WHERE notificado_em IS NOT NULL ORDER BY notificado_em DESC LIMIT 1")


def last_alert_sent(conn: sa.Connection) -> dict | None:
    """The alert e-mailed last: a pipeline incident or a spike alert (origem, tipo, chave, when, to whom)."""
    rows = [conn.execute(_LAST_INCIDENT).mappings().first(), conn.execute(_LAST_SPIKE).mappings().first()]
    found = [dict(r) for r in rows if r is not None]
    return max(found, key=lambda r: r["notificado_em"]) if found else None


def last_summary_sent(conn: sa.Connection) -> dict | None:
    """The weekly summary e-mailed last (week, when, to whom), or None."""
    row = conn.execute(_LAST_SUMMARY).mappings().first()
    return dict(row) if row else None


# --- Airflow's metadata database --------------------------------------------------------------------
_DAG_RUNS = sa.text("""
    SELECT d.dag_id, d.is_paused, r.state, r.run_type, r.run_after, r.start_date, r.end_date
    FROM dag d
    LEFT JOIN LATERAL (
        SELECT state, run_type, run_after, start_date, end_date FROM dag_run
        WHERE dag_run.dag_id = d.dag_id ORDER BY run_after DESC, id DESC LIMIT 1
    ) r ON true
    WHERE NOT d.is_stale
    ORDER BY d.dag_id
""")


def dag_runs(conn: sa.Connection) -> list[dict]:
    """Each DAG Airflow knows (not stale) with its newest run (state, type, times; None when never run),
    from Airflow's ``dag`` and ``dag_run`` tables."""
    return [dict(r) for r in conn.execute(_DAG_RUNS).mappings()]
