"""``GET /dashboard/exportar.csv?artista=…&texto=…``: the filtered comments streamed over HTTP.

Same filter and same CSV generator as the page's "Exportar CSV" button, but the response is sent
chunk by chunk while the server-side cursor advances, so its memory does not grow with the export
(``dcc.Download`` must carry the whole file inside one JSON response). Private like /dashboard:
it is not in the public routes, so the curator login applies.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, request, stream_with_context

from alumusic.csv_export import iter_comments_csv
from dashboard import context
from dashboard.comment_table import make_filter

PATH = "/dashboard/exportar.csv"
PARAMS = ("artista", "album", "tag", "categoria", "desde", "ate", "texto")


def url_for_filters(**values) -> str:
    query = urlencode({k: v for k, v in values.items() if k in PARAMS and v})
    return f"{PATH}?{query}" if query else PATH


def register(server: Flask) -> None:
    @server.get(PATH)
    def exportar_csv_stream():
        ctx = context.get()
        try:
            f = make_filter(**{k: request.args.get(k) for k in PARAMS}, timezone=ctx.settings.timezone)
        except ValueError:
            abort(400, "data inválida (use AAAA-MM-DD)")

        def generate():
            with ctx.engine.connect() as conn:
                yield from iter_comments_csv(conn, f)

        stamp = datetime.now(ZoneInfo(ctx.settings.timezone)).strftime("%Y%m%d-%H%M%S")
        return Response(
            stream_with_context(generate()),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="comentarios-{stamp}.csv"',
                     "Cache-Control": "no-store"},
        )
