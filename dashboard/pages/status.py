"""Private page ``/dashboard/status``: is the pipeline moving? For data engineers and curators.

Layout only (no callback), rendered per request like ``resumos``; it shows no comment text:

- open alarms (``incidentes``, opened and closed by the ``monitor_pipeline`` DAG);
- the queue: pending, processing and failed comments, the oldest pending one's age, automatic
  classifications per minute by classifier version;
- the newest run of each DAG and its state, read from Airflow's metadata database
  (``AIRFLOW_DATABASE_URL``; unset: the database ``airflow`` on the product database's server);
- failed comments by reason (the exception class of the last error);
- each Ollama host: its last probe and the classification calls it served;
- the last weekly summary e-mailed, the last alert e-mailed (a pipeline incident or a curators'
  spike alert, whichever went out last) and the recent incidents.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import dash
import sqlalchemy as sa
from dash import dash_table, html

from alumusic.alerts.message import KIND_LABELS
from alumusic.domain.alarms import TITULOS, minutes_text
from alumusic.repositories import alarms, status
from dashboard import context
from dashboard.layout import message

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/status", name="Estado do pipeline", title="Estado do pipeline — AluMusic Insights")

ESTADOS_DAG = {"success": "sucesso", "failed": "falhou", "running": "em execução", "queued": "na fila"}
TIPOS_EXECUCAO = {"scheduled": "agendada", "manual": "manual", "backfill": "backfill", "asset_triggered": "por asset"}
STYLE = {"textAlign": "left", "fontSize": "0.85rem", "whiteSpace": "normal", "height": "auto"}


def _when(value, tz) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else "—"


def airflow_url(settings, engine: sa.Engine) -> str:
    """Airflow's metadata database: the setting, else the database ``airflow`` on the product's server."""
    if settings.airflow_database_url:
        from alumusic.db import normalise_url

        return normalise_url(settings.airflow_database_url)
    return engine.url.set(database="airflow").render_as_string(hide_password=False)


def _table(id_: str, rows: list[dict], columns: list[tuple[str, str]], **extra) -> dash_table.DataTable:
    return dash_table.DataTable(id=id_, data=rows, columns=[{"id": c, "name": n} for c, n in columns],
                                style_cell=STYLE, **extra)


def alarm_banner(open_alerts: list[alarms.Alert], tz) -> html.Div:
    if not open_alerts:
        return html.Div(message("Nenhum alarme ativo.", "ok"), id="status-alarmes")
    items = [html.Li([html.Strong(TITULOS.get(a.tipo, a.tipo) + (f" ({a.chave})" if a.chave else "")),
                      f" — desde {_when(a.aberto_em, tz)}: {a.detalhe}"
                      + ("" if a.notificado_em else " (e-mail ainda não enviado)")]) for a in open_alerts]
    return html.Div([html.Div(f"{len(open_alerts)} alarme(s) ativo(s)", className="mensagem mensagem-erro",
                              role="alert"), html.Ul(items)], id="status-alarmes")


def queue_section(s: status.PipelineState) -> html.Div:
    idade = minutes_text(s.idade_pendente_s) if s.idade_pendente_s is not None else "nenhum pendente"
    fila = html.Ul([
        html.Li(f"Pendentes: {s.pendentes}", id="status-pendentes"),
        html.Li(f"Em processamento: {s.processando}", id="status-processando"),
        html.Li(f"Com falha: {s.falharam}", id="status-falharam"),
        html.Li(f"Pendente mais antigo: {idade}", id="status-idade"),
    ])
    rates = [{"classificador": c, "versao": v, "por_minuto": f"{n:.1f}".replace(".", ",")}
             for (c, v), n in sorted(s.por_minuto.items())]
    rate = (_table("status-ritmo", rates, [("classificador", "Classificador"), ("versao", "Versão"),
                                           ("por_minuto", "Por minuto")])
            if rates else message(f"Nenhuma classificação automática nos últimos {s.janela_minutos} min."))
    return html.Div([html.H2("Fila de classificação"), fila,
                     html.H3(f"Classificações por minuto (últimos {s.janela_minutos} min)"), rate])


def dag_section(settings, engine: sa.Engine, tz) -> html.Div:
    try:
        with context_engine(airflow_url(settings, engine)).connect() as conn:
            runs = status.dag_runs(conn)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("Airflow metadata database unreadable: %s", type(exc).__name__)
        return html.Div([html.H2("DAGs"), message("Banco de metadados do Airflow indisponível "
                                                  "(AIRFLOW_DATABASE_URL).", "erro")], id="status-dags-erro")
    rows = [{"dag": r["dag_id"], "pausada": "sim" if r["is_paused"] else "não",
             "estado": ESTADOS_DAG.get(r["state"], r["state"] or "nunca executada"),
             "tipo": TIPOS_EXECUCAO.get(r["run_type"], r["run_type"] or "—"),
             "inicio": _when(r["start_date"], tz), "fim": _when(r["end_date"], tz)} for r in runs]
    return html.Div([html.H2("DAGs (última execução)"),
                     _table("status-dags", rows, [("dag", "DAG"), ("estado", "Estado"), ("tipo", "Tipo"),
                                                  ("inicio", "Início"), ("fim", "Fim"), ("pausada", "Pausada")],
                            style_data_conditional=[{"if": {"filter_query": '{estado} = "falhou"'},
                                                     "color": "#a11"}])
                     if rows else message("Nenhuma DAG registrada no Airflow.")])


def context_engine(url: str) -> sa.Engine:
    from alumusic.db import get_engine

    return get_engine(url)


def failures_section(rows: list[dict], tz) -> html.Div:
    data = [{"motivo": r["motivo"], "comentarios": r["n"], "ultimo": _when(r["ultimo"], tz)} for r in rows]
    return html.Div([html.H2("Falhas por motivo"),
                     _table("status-falhas", data, [("motivo", "Motivo (último erro)"), ("comentarios", "Comentários"),
                                                    ("ultimo", "Recebido mais recente")])
                     if data else message("Nenhum comentário com falha.", "ok")])


def hosts_section(hosts: list[status.HostState], backend: str, tz) -> html.Div:
    def saude(h: status.HostState) -> str:
        if h.sonda_ok is None:
            return "não sondado"
        if h.sonda_ok and h.sonda_modelo:
            return "ok"
        return f"com problema: {h.sonda_erro or 'sem resposta'}"

    data = [{"host": h.host, "saude": saude(h), "sondado_em": _when(h.sondado_em, tz),
             "latencia": f"{h.sonda_latencia_ms:.0f} ms" if h.sonda_latencia_ms is not None else "—",
             "chamadas": h.chamadas, "erros": h.erros,
             "media": f"{h.segundos / h.chamadas * 1000:.0f} ms" if h.chamadas else "—",
             "ultimo_erro": f"{h.ultimo_erro} ({_when(h.ultimo_erro_em, tz)})" if h.ultimo_erro else "—"}
            for h in hosts]
    intro = [] if backend != "offline" else [message("LLM_BACKEND=offline: o classificador offline está em uso.")]
    return html.Div([html.H2("Hosts Ollama"), *intro,
                     _table("status-hosts", data, [("host", "Host"), ("saude", "Saúde"), ("sondado_em", "Sondado em"),
                                                   ("latencia", "Latência da sonda"), ("chamadas", "Chamadas"),
                                                   ("erros", "Erros"), ("media", "Latência média"),
                                                   ("ultimo_erro", "Último erro")],
                            style_data_conditional=[{"if": {"filter_query": '{saude} contains "problema"'},
                                                     "color": "#a11"}])
                     if data else message("Nenhum host Ollama sondado ainda (DAG monitor_pipeline).")])


def _alert_title(alert: dict) -> str:
    if alert["origem"] == "picos":  # a curators' spike alert (detect_alerts): its kind and subject
        subject = alert["chave"].split(":", 1)[-1].replace("\x1f", " — ")
        return f"{KIND_LABELS.get(alert['tipo'], alert['tipo'])} ({subject})"
    return TITULOS.get(alert["tipo"], alert["tipo"]) + (f" ({alert['chave']})" if alert["chave"] else "")


def mail_section(last_summary: dict | None, last_alert: dict | None, recent: list[alarms.Alert],
                 tz) -> html.Div:
    resumo = (f"Último resumo semanal enviado: {last_summary['semana']} em {_when(last_summary['enviado_em'], tz)} "
              f"para {', '.join(last_summary['destinatarios']) or '—'}" if last_summary
              else "Nenhum resumo semanal enviado ainda.")
    alerta = (f"Último alerta enviado: {_alert_title(last_alert)} em "
              f"{_when(last_alert['notificado_em'], tz)} para {', '.join(last_alert['destinatarios'] or [])}"
              if last_alert else "Nenhum alerta enviado ainda.")
    rows = [{"tipo": TITULOS.get(a.tipo, a.tipo), "origem": a.origem, "assunto": a.chave or "—",
             "aberto_em": _when(a.aberto_em, tz), "fechado_em": _when(a.fechado_em, tz) if a.fechado_em else "aberto",
             "email": (_when(a.notificado_em, tz) if a.notificado_em else
                       f"falhou: {a.ultimo_erro_envio}" if a.ultimo_erro_envio else "não enviado"),
             "detalhe": a.detalhe} for a in recent]
    return html.Div([html.H2("E-mails"), html.P(resumo, id="status-ultimo-resumo"),
                     html.P(alerta, id="status-ultimo-alerta"), html.H3("Incidentes recentes"),
                     _table("status-incidentes", rows, [("tipo", "Alarme"), ("origem", "Origem"), ("assunto", "Assunto"),
                                                        ("aberto_em", "Aberto em"), ("fechado_em", "Fechado em"),
                                                        ("email", "E-mail"), ("detalhe", "Detalhe")])
                     if rows else message("Nenhum incidente registrado.")])


def layout(**_query) -> html.Div:
    settings = context.settings()
    tz = ZoneInfo(settings.timezone)
    engine = context.engine()
    with engine.connect() as conn:
        state = status.pipeline_state(conn)
        failures = status.failures_by_reason(conn)
        recent = alarms.recent(conn, limit=20)
        last_alert = status.last_alert_sent(conn)
        last_summary = status.last_summary_sent(conn)
    open_alerts = [a for a in recent if a.aberto]
    return html.Div([
        html.H1("Estado do pipeline"),
        alarm_banner(open_alerts, tz),
        queue_section(state),
        dag_section(settings, engine, tz),
        failures_section(failures, tz),
        hosts_section(state.hosts, settings.llm_backend, tz),
        mail_section(last_summary, last_alert, recent, tz),
    ])
