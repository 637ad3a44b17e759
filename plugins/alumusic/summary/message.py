"""The summary e-mail: multipart/alternative with a plain-text and an HTML part (pt-BR).

Both parts carry the same content: a small table of the week's numbers and the summary text; the
HTML part adds the week's charts (``charts``, inline CID pictures with alt texts) and a link to
the week on the dashboard, in a table-based layout with inline styles (what mail clients render).

Personal data (LGPD): ``build_message``, the one way an e-mail is made, masks (``alumusic.domain.pii``)
the summary text and the statistics before rendering either part. Stored summaries are already
masked (``alumusic.repositories.summaries.upsert_summary``); this covers rows stored before that
rule, e.g. an old week re-sent with ``reenviar=true``. Masking happens on the plain text, before HTML escaping,
so the detector sees the same characters in both parts.
"""

from __future__ import annotations

import dataclasses
import html
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlencode

from alumusic.domain.palette import COR_PERIODO_ATUAL, CORES_CATEGORIA, ROTULOS_CATEGORIA
from alumusic.domain.pii import mask_strings, mask_text
from alumusic.repositories.summaries import StoredSummary
from alumusic.summary import charts, fmt
from alumusic.summary.text import HEADINGS, has_previous

SEM_ANTERIOR = "Sem comentários na semana anterior para comparar."
LINK_TEXTO = "Ver os comentários da semana no painel"


def subject(summary: StoredSummary) -> str:
    return (f"AluMusic Insights — resumo da semana {summary.semana} "
            f"({fmt.periodo(summary.inicio.isoformat(), summary.fim.isoformat())})")


def number_rows(stats: dict) -> list[tuple[str, str, str]]:
    """(indicador, semana, semana anterior) rows of the e-mail table."""
    vol = stats["volume"]
    rows = [
        ("Comentários recebidos", fmt.inteiro(vol["total"]), fmt.inteiro(vol["semana_anterior"])),
        ("Variação do volume", fmt.pct(vol["variacao_pct"], sinal=True), ""),
        ("Classificados", fmt.inteiro(vol["classificados"]), ""),
    ]
    for c in stats["categorias"]:
        rows.append((c["categoria"], f"{fmt.inteiro(c['total'])} ({fmt.pct(c['pct'])})",
                     f"{fmt.inteiro(c['semana_anterior'])} ({fmt.pct(c['pct_semana_anterior'])})"))
    rows.append(("SPAM (% dos classificados)", fmt.pct(stats["spam"]["pct"]), fmt.pct(stats["spam"]["pct_semana_anterior"])))
    return rows


def _columns(stats: dict) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Header and rows of the numbers table: without a previous week, no column of zeros for it."""
    rows = number_rows(stats)
    if has_previous(stats):
        return ("Indicador", "Semana", "Semana anterior"), rows
    return ("Indicador", "Semana"), [(a, b) for a, b, _ in rows if a != "Variação do volume"]


def plain_text(summary: StoredSummary, *, link: str | None = None) -> str:
    header, rows = _columns(summary.estatisticas)
    width = max(len(r[0]) for r in [header, *rows])
    table = "\n".join(a.ljust(width) + "".join(f"  {v:>14}" for v in rest) for a, *rest in [header, *rows])
    if not has_previous(summary.estatisticas):
        table += f"\n{SEM_ANTERIOR}"
    if link:
        table += f"\n\n{LINK_TEXTO}: {link}"
    return (f"{subject(summary)}\n\nNúmeros da semana\n{table}\n\n{summary.texto.strip()}\n\n"
            f"— Gerado em {summary.gerado_em:%d/%m/%Y %H:%M} por {_origem(summary)}.\n")


def week_url(summary: StoredSummary, public_base_url: str | None) -> str | None:
    """The dashboard's comments page on the summary's week (``desde``/``ate`` prefill its filters)."""
    if not public_base_url:
        return None
    query = urlencode({"desde": summary.inicio.isoformat(), "ate": summary.fim.isoformat()})
    return f"{public_base_url.rstrip('/')}/dashboard/?{query}"


# Mail clients ignore <style> blocks and most layout CSS: nested tables, inline styles, fixed widths.
_FONT = "font-family:Arial,Helvetica,sans-serif"
_CELL = "padding:5px 10px;border-bottom:1px solid #e3e3e3;font-size:14px"


def html_text(summary: StoredSummary, *, images: list[tuple[str, charts.Chart]] = (), link: str | None = None) -> str:
    """The HTML part; ``images`` are (Content-ID without brackets, chart) pairs shown as ``cid:`` pictures."""
    e = html.escape
    header, rows = _columns(summary.estatisticas)
    cells = []
    for a, b, *rest in rows:
        swatch = CORES_CATEGORIA.get(a)
        # The category's colour of every chart (domain.palette) as a bar beside its name.
        first = f"border-left:6px solid {swatch};" if swatch else "border-left:6px solid #ffffff;"
        label = ROTULOS_CATEGORIA.get(a, a)
        cells.append(
            f"<tr><td style='{first}{_CELL}'>{e(label)}</td>"
            f"<td style='{_CELL};text-align:right'>{e(b)}</td>"
            + "".join(f"<td style='{_CELL};text-align:right;color:#666666'>{e(c)}</td>" for c in rest) + "</tr>"
        )
    heads = "".join(f"<th style='padding:5px 10px;font-size:13px;text-align:right;color:#444444'>{e(h)}</th>"
                    for h in header[1:])
    nota = ("" if has_previous(summary.estatisticas)
            else f"<p style='color:#666666;font-size:13px;margin:6px 0 0'>{e(SEM_ANTERIOR)}</p>")
    body = []
    for block in summary.texto.strip().split("\n\n"):
        lines = block.strip().splitlines()
        if not lines:
            continue
        if lines[0].strip() in HEADINGS:
            body.append(f"<h3 style='margin:18px 0 6px;font-size:16px;color:#1a237e'>{e(lines[0].strip())}</h3>")
            lines = lines[1:]
        items = [line.strip()[2:] for line in lines if line.strip().startswith("- ")]
        if items and len(items) == len([line for line in lines if line.strip()]):
            body.append("<ul style='margin:4px 0;padding-left:20px'>"
                        + "".join(f"<li style='margin:2px 0;font-size:14px'>{e(i)}</li>" for i in items) + "</ul>")
        else:
            body += [f"<p style='margin:4px 0;font-size:14px'>{e(line.strip())}</p>" for line in lines if line.strip()]
    pictures = "".join(
        f"<tr><td style='padding:10px 24px 0'><img src='cid:{e(cid)}' width='{c.width}' height='{c.height}' "
        f"alt='{e(c.alt)}' style='display:block;width:100%;max-width:{c.width}px;height:auto;border:0'></td></tr>"
        for cid, c in images
    )
    button = "" if not link else (
        "<tr><td style='padding:14px 24px 0'><table role='presentation' cellpadding='0' cellspacing='0' border='0'>"
        f"<tr><td style='background:{COR_PERIODO_ATUAL};border-radius:4px'>"
        f"<a href='{e(link)}' style='display:inline-block;padding:10px 18px;{_FONT};font-size:14px;font-weight:bold;"
        f"color:#ffffff;text-decoration:none'>{e(LINK_TEXTO)}</a></td></tr></table></td></tr>"
    )
    titulo = e(subject(summary))
    return (
        "<!DOCTYPE html><html lang='pt-BR'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{titulo}</title></head>"
        "<body style='margin:0;padding:0;background:#f2f3f5'>"
        "<table role='presentation' width='100%' cellpadding='0' cellspacing='0' border='0' style='background:#f2f3f5'>"
        "<tr><td align='center' style='padding:16px 8px'>"
        "<table role='presentation' width='640' cellpadding='0' cellspacing='0' border='0' "
        f"style='width:100%;max-width:640px;background:#ffffff;border:1px solid #e0e0e0;{_FONT};color:#222222'>"
        f"<tr><td style='background:#1a237e;color:#ffffff;padding:14px 24px;{_FONT};font-size:17px;font-weight:bold'>"
        "AluMusic Insights</td></tr>"
        f"<tr><td style='padding:18px 24px 0'><h2 style='margin:0;font-size:19px;{_FONT}'>{titulo}</h2></td></tr>"
        f"{button}"
        "<tr><td style='padding:16px 24px 0'>"
        "<table cellpadding='0' cellspacing='0' border='0' style='border-collapse:collapse;width:100%'>"
        f"<thead><tr><th style='padding:5px 10px;font-size:13px;text-align:left;color:#444444'>Indicador</th>{heads}"
        f"</tr></thead><tbody>{''.join(cells)}</tbody></table>{nota}</td></tr>"
        f"{pictures}"
        f"<tr><td style='padding:8px 24px 0'>{''.join(body)}</td></tr>"
        f"<tr><td style='padding:20px 24px 18px;color:#888888;font-size:12px'>Gerado em "
        f"{summary.gerado_em:%d/%m/%Y %H:%M} por {e(_origem(summary))}.</td></tr>"
        "</table></td></tr></table></body></html>"
    )


def _origem(summary: StoredSummary) -> str:
    if summary.classificador == "offline":
        return "resumo offline (sem LLM)"
    return f"{summary.classificador} {summary.modelo or ''}".strip()


def build_message(summary: StoredSummary, *, recipients: list[str], public_base_url: str | None = None) -> EmailMessage:
    """The message without ``From`` (the mailer sets it from the SMTP connection), personal data masked.

    multipart/alternative: the plain text, and the HTML inside multipart/related with the week's
    charts as inline PNG parts (``Content-ID``, referenced as ``cid:`` with alt texts). With
    ``public_base_url`` both parts link to the week on the dashboard.
    """
    summary = dataclasses.replace(summary, texto=mask_text(summary.texto),
                                  estatisticas=mask_strings(summary.estatisticas))
    link = week_url(summary, public_base_url)
    pictures = [(make_msgid(idstring=c.name, domain="alumusic.insights")[1:-1], c)
                for c in charts.charts(summary.estatisticas)]
    msg = EmailMessage()
    msg["Subject"] = subject(summary)
    msg["To"] = ", ".join(recipients)
    msg.set_content(plain_text(summary, link=link))
    msg.add_alternative(html_text(summary, images=pictures, link=link), subtype="html")
    html_part = msg.get_payload()[1]
    for cid, c in pictures:
        html_part.add_related(c.png, maintype="image", subtype="png", cid=f"<{cid}>", filename=f"{c.name}.png",
                              disposition="inline")
    return msg
