"""The operators' e-mail for one incident (plain text + HTML), in pt-BR."""

from __future__ import annotations

from email.message import EmailMessage
from html import escape
from zoneinfo import ZoneInfo

from alumusic.domain.alarms import TITULOS
from alumusic.settings import Settings

STATUS_PATH = "/dashboard/status"


def build_alarm_message(alert, settings: Settings) -> EmailMessage:
    """``alert`` is a ``repositories.alarms.Alert``; the sender is set by the mailer."""
    titulo = TITULOS.get(alert.tipo, alert.tipo)
    if alert.chave:
        titulo = f"{titulo}: {alert.chave}"
    quando = alert.aberto_em.astimezone(ZoneInfo(settings.timezone)).strftime("%d/%m/%Y %H:%M")
    msg = EmailMessage()
    msg["Subject"] = f"[AluMusic Insights] Alarme: {titulo}"
    msg["X-AluMusic-Alerta"] = f"{alert.id}"
    text = (f"Alarme aberto em {quando} ({settings.timezone}).\n\n{titulo}\n{alert.detalhe}\n\n"
            f"Este e-mail é enviado uma vez por incidente; quando a situação se normalizar o alarme é fechado "
            f"sozinho. Acompanhe na página de estado do painel ({STATUS_PATH}).\n")
    msg.set_content(text)
    msg.add_alternative(
        f"<p>Alarme aberto em <strong>{escape(quando)}</strong> ({escape(settings.timezone)}).</p>"
        f"<h2>{escape(titulo)}</h2><p>{escape(alert.detalhe)}</p>"
        f"<p>Este e-mail é enviado uma vez por incidente; quando a situação se normalizar o alarme é fechado "
        f"sozinho. Acompanhe na página de estado do painel (<code>{STATUS_PATH}</code>).</p>",
        subtype="html")
    return msg
