"""The summary e-mail: multipart/alternative with a plain-text and an HTML part (pt-BR).

Both parts carry the same content: a small table of the week's numbers and the summary text.

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

from alumusic.domain.pii import mask_strings, mask_text
from alumusic.repositories.summaries import StoredSummary
from alumusic.summary import fmt
from alumusic.summary.text import HEADINGS, has_previous

SEM_ANTERIOR = "Sem comentários na semana anterior para comparar."


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


def plain_text(summary: StoredSummary) -> str:
    header, rows = _columns(summary.estatisticas)
    width = max(len(r[0]) for r in [header, *rows])
    table = "\n".join(a.ljust(width) + "".join(f"  {v:>14}" for v in rest) for a, *rest in [header, *rows])
    if not has_previous(summary.estatisticas):
        table += f"\n{SEM_ANTERIOR}"
    return (f"{subject(summary)}\n\nNúmeros da semana\n{table}\n\n{summary.texto.strip()}\n\n"
            f"— Gerado em {summary.gerado_em:%d/%m/%Y %H:%M} por {_origem(summary)}.\n")


def html_text(summary: StoredSummary) -> str:
    e = html.escape
    header, rows = _columns(summary.estatisticas)
    cells = "".join(
        f"<tr><td style='padding:4px 10px;border-bottom:1px solid #ddd'>{e(a)}</td>"
        f"<td style='padding:4px 10px;border-bottom:1px solid #ddd;text-align:right'>{e(b)}</td>"
        + "".join(f"<td style='padding:4px 10px;border-bottom:1px solid #ddd;text-align:right;color:#666'>{e(c)}</td>"
                  for c in rest) + "</tr>"
        for a, b, *rest in rows
    )
    heads = "".join(f"<th style='padding:4px 10px'>{e(h)}</th>" for h in header[1:])
    nota = ("" if has_previous(summary.estatisticas)
            else f"<p style='color:#666;font-size:13px;margin:4px 0'>{e(SEM_ANTERIOR)}</p>")
    body = []
    for block in summary.texto.strip().split("\n\n"):
        lines = block.strip().splitlines()
        if not lines:
            continue
        if lines[0].strip() in HEADINGS:
            body.append(f"<h3 style='margin:18px 0 6px'>{e(lines[0].strip())}</h3>")
            lines = lines[1:]
        items = [line.strip()[2:] for line in lines if line.strip().startswith("- ")]
        if items and len(items) == len([line for line in lines if line.strip()]):
            body.append("<ul style='margin:4px 0'>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
        else:
            body += [f"<p style='margin:4px 0'>{e(line.strip())}</p>" for line in lines if line.strip()]
    return (
        "<!DOCTYPE html><html lang='pt-BR'><head><meta charset='utf-8'>"
        f"<title>{e(subject(summary))}</title></head>"
        "<body style='font-family:Arial,Helvetica,sans-serif;color:#222;max-width:680px'>"
        f"<h2>{e(subject(summary))}</h2>"
        "<table style='border-collapse:collapse;font-size:14px'>"
        f"<thead><tr><th style='text-align:left;padding:4px 10px'>Indicador</th>{heads}</tr></thead>"
        f"<tbody>{cells}</tbody></table>{nota}{''.join(body)}"
        f"<p style='color:#888;font-size:12px;margin-top:24px'>Gerado em {summary.gerado_em:%d/%m/%Y %H:%M} "
        f"por {e(_origem(summary))}.</p></body></html>"
    )


def _origem(summary: StoredSummary) -> str:
    if summary.classificador == "offline":
        return "resumo offline (sem LLM)"
    return f"{summary.classificador} {summary.modelo or ''}".strip()


def build_message(summary: StoredSummary, *, recipients: list[str]) -> EmailMessage:
    """The message without ``From`` (the mailer sets it from the SMTP connection), personal data masked."""
    summary = dataclasses.replace(summary, texto=mask_text(summary.texto),
                                  estatisticas=mask_strings(summary.estatisticas))
    msg = EmailMessage()
    msg["Subject"] = subject(summary)
    msg["To"] = ", ".join(recipients)
    msg.set_content(plain_text(summary))
    msg.add_alternative(html_text(summary), subtype="html")
    return msg
