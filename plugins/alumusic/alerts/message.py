"""The alert e-mail: one multipart/alternative message (plain text + HTML, pt-BR) for the alerts just opened.

It carries the subject, the kind and the detector's sentence with its numbers, never a
comment's text: the comments behind an alert are read in the private area (``/dashboard/alertas``),
behind a login. The artist and album names come from whoever posted the comments: they leave
masked (``pii.mask_text``: a name can carry an e-mail or a phone) and on one line
(``names.one_line``: a line break stored before ingest refused it would break the Subject header
or fake an alert line).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from email.message import EmailMessage

from alumusic.domain import names, pii
from alumusic.repositories.alerts import Alert

KIND_LABELS = {"critica": "Alta de críticas", "volume": "Alta de volume", "spam": "Onda de SPAM"}


def subject(alerts: Sequence[Alert]) -> str:
    if len(alerts) == 1:
        a = alerts[0]
        return f"AluMusic Insights — alerta: {KIND_LABELS[a.tipo].lower()} em {a.rotulo}"
    return f"AluMusic Insights — {len(alerts)} novos alertas"


def plain_text(alerts: Sequence[Alert], dashboard_url: str | None) -> str:
    lines = [subject(alerts), ""]
    for a in alerts:
        lines += [f"- {KIND_LABELS[a.tipo]} — {a.rotulo}", f"  {a.explicacao}"]
        if a.fechado_em is not None:
            lines.append("  (o sinal já voltou ao normal; o alerta foi fechado)")
    lines.append("")
    if dashboard_url:
        lines.append(f"Comentários por trás de cada alerta (login necessário): {_link(dashboard_url)}")
    else:
        lines.append("Os comentários por trás de cada alerta estão na área privada, em Alertas.")
    return "\n".join(lines) + "\n"


def html_text(alerts: Sequence[Alert], dashboard_url: str | None) -> str:
    e = html.escape
    rows = "".join(
        "<tr><td style='padding:6px 10px;border-bottom:1px solid #ddd;vertical-align:top'>"
        f"<strong>{e(KIND_LABELS[a.tipo])}</strong><br>{e(a.rotulo)}</td>"
        f"<td style='padding:6px 10px;border-bottom:1px solid #ddd'>{e(a.explicacao)}"
        + ("<br><em style='color:#666'>O sinal já voltou ao normal; o alerta foi fechado.</em>"
           if a.fechado_em is not None else "") + "</td></tr>"
        for a in alerts)
    link = (f"<p><a href='{e(_link(dashboard_url))}'>Ver os comentários por trás de cada alerta</a> "
            "(login necessário).</p>" if dashboard_url else
            "<p>Os comentários por trás de cada alerta estão na área privada, em Alertas.</p>")
    return ("<!DOCTYPE html><html lang='pt-BR'><head><meta charset='utf-8'>"
            f"<title>{e(subject(alerts))}</title></head>"
            "<body style='font-family:Arial,Helvetica,sans-serif;color:#222;max-width:680px'>"
            f"<h2>{e(subject(alerts))}</h2>"
            f"<table style='border-collapse:collapse;font-size:14px'><tbody>{rows}</tbody></table>{link}"
            "</body></html>")


def _as_sent(a: Alert) -> Alert:
    return dataclasses.replace(a, rotulo=pii.mask_text(names.one_line(a.rotulo)),
                               explicacao=pii.mask_text(names.one_line(a.explicacao)))


def build(alerts: Sequence[Alert], *, recipients: list[str], dashboard_url: str | None) -> EmailMessage:
    """The message without ``From`` (the mailer sets it from the SMTP connection)."""
    alerts = [_as_sent(a) for a in alerts]
    msg = EmailMessage()
    msg["Subject"] = subject(alerts)
    msg["To"] = ", ".join(recipients)
    msg.set_content(plain_text(alerts, dashboard_url))
    msg.add_alternative(html_text(alerts, dashboard_url), subtype="html")
    return msg


def _link(base: str) -> str:
    return base.rstrip("/") + "/dashboard/alertas"
