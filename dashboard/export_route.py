"""``GET /dashboard/exportar.csv?artista=…&texto=…``: the filtered comments streamed over HTTP.

The dashboard's one CSV export: the comments page's "Exportar CSV" link points here, its query
following the page's filters, format and personal-data choice (``url_for_filters``). The filter is
the table's (``comment_table.make_filter``), so the file has exactly the rows the page shows. The
response is sent chunk by chunk while the server-side cursor advances
(``alumusic.csv_export.iter_comments_csv``), so its memory does not grow with the export.

Private: it lies under ``/dashboard/``, where ``dashboard.security.guard`` requires a curator
session. Personal data is masked unless ``pii=incluir``, which only admins may ask for (403
otherwise). Every export is audited (``exportacoes``, ``origem`` "link"): recorded before the
first byte, its row count filled in once the whole file was sent. A GET changes nothing but the
audit, so it carries no CSRF token; a link on another site (``Sec-Fetch-Site: cross-site``, sent by
every current browser) still gets 403, so no page elsewhere can make a curator export or fill the
audit in their name. A bookmark or typed URL (``none``) and the page's own link (``same-origin``) work.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, Response, request, stream_with_context

from alumusic.csv_export import DIALECTS, PERSONAL_DATA, iter_comments_csv
from alumusic.metrics import DASHBOARD_EXPORT_ROWS, DASHBOARD_EXPORTS
from alumusic.repositories import audit
from dashboard import context
from dashboard.comment_table import FiltroInvalido, make_filter
from dashboard.security import current_curator

PATH = "/dashboard/exportar.csv"
PARAMS = ("artista", "album", "tag", "categoria", "desde", "ate", "texto")
# ``formato``: a name of csv_export.DIALECTS; "padrao" (comma) for scripts, the page links "excel-br" (;).
FORMAT_PARAM = "formato"
# ``pii``: "mascarar" (default: personal data masked) or "incluir" (admins only; audited).
PII_PARAM = "pii"


def _plain(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a hostile callback body
        return False
    return True


def url_for_filters(formato: str | None = None, pii: str | None = None, **values) -> str:
    query = urlencode({k: v for k, v in values.items() if k in PARAMS and _plain(v)}
                      | ({FORMAT_PARAM: formato} if formato in DIALECTS and formato != "padrao" else {})
                      | ({PII_PARAM: "incluir"} if pii == "incluir" else {}))
    return f"{PATH}?{query}" if query else PATH


def register(server: Flask) -> None:
    @server.get(PATH)
    def exportar_csv_stream():
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            return Response("exportação pedida por outro site: use o link da página de comentários\n", status=403,
                            mimetype="text/plain")
        ctx = context.get()
        try:
            f = make_filter(**{k: request.args.get(k) for k in PARAMS}, timezone=ctx.settings.timezone)
        except FiltroInvalido as exc:  # hostile or impossible filter values
            return Response(f"filtro inválido: {exc}\n", status=400, mimetype="text/plain")
        formato = request.args.get(FORMAT_PARAM, "padrao")
        if formato not in DIALECTS:
            return Response(f"formato inválido (use {' ou '.join(DIALECTS)})\n", status=400, mimetype="text/plain")
        dados = request.args.get(PII_PARAM, "mascarar")
        if dados not in PERSONAL_DATA:
            return Response("pii inválido (use mascarar ou incluir)\n", status=400, mimetype="text/plain")
        curator = current_curator()
        if dados == "incluir" and curator.papel != "admin":
            return Response("exportar dados pessoais é permitido só a administradores\n", status=403,
                            mimetype="text/plain")
        with ctx.engine.begin() as conn:
            export_id = audit.record_export(conn, usuario=curator.usuario, origem="link", formato=formato,
                                            filtros={k: request.args.get(k) for k in PARAMS}, dados_pessoais=dados)
        DASHBOARD_EXPORTS.labels(formato, dados).inc()

        def generate():
            stats: dict = {}
            with ctx.engine.connect() as conn:
                yield from iter_comments_csv(conn, f, dialect=formato, personal_data=dados, stats=stats)
            with ctx.engine.begin() as conn:  # only once the whole file was sent
                audit.finish_export(conn, export_id, stats["linhas"])
            DASHBOARD_EXPORT_ROWS.inc(stats["linhas"])

        stamp = datetime.now(ZoneInfo(ctx.settings.timezone)).strftime("%Y%m%d-%H%M%S")
        return Response(
            stream_with_context(generate()),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="comentarios-{stamp}.csv"',
                     "Cache-Control": "no-store"},
        )
