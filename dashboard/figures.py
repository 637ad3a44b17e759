"""The five report charts as plotly figures, from the rows of ``repositories.report`` (pt-BR labels).

Readability with real names: every chart that lists artists (or releases) lists them on the
vertical axis of horizontal bars, never rotated; a name longer than ``MAX_ROTULO`` characters is
cut with "…" on the axis or in the legend, and the full name is in the hover text. Charts with
many rows grow in height instead of squeezing them. Colours come from ``alumusic.domain.palette``
(one colour per category everywhere, colour-blind-safe). ``describe`` gives each chart a short
pt-BR text for screen readers, derived from the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from alumusic.domain import CATEGORIAS
from alumusic.domain.palette import (
    COR_NEUTRA,
    COR_PERIODO_ANTERIOR,
    COR_PERIODO_ATUAL,
    CORES_CATEGORIA,
    ROTULOS_CATEGORIA,
    SEQUENCIA,
)

CORES = CORES_CATEGORIA
ROTULOS = ROTULOS_CATEGORIA

TITULOS = {
    "categorias_por_artista": "Categorias por artista (10 mais comentados, últimos 7 dias)",
    "critica_pos_lancamento": "Críticas depois de cada lançamento (% por dia desde o lançamento)",
    "tags_48h": "Tags mais citadas nas últimas 48 horas",
    "mix_diario": "Mistura diária de categorias (últimos 7 dias)",
    "artistas_em_alta": "Artistas em alta: comentários nos últimos 7 dias contra os 7 anteriores",
}
VAZIO = {
    "categorias_por_artista": "Nenhum comentário classificado nos últimos 7 dias.",
    # How to add one (the catalog: dashboard page, API, CSV import); "\n" breaks the chart's annotation.
    "critica_pos_lancamento": ("Nenhum lançamento dos últimos 120 dias com comentários classificados.\n"
                               "Cadastre um em Área dos curadores → Lançamentos (/dashboard/lancamentos),\n"
                               "pela API (POST /api/lancamentos) ou com "
                               "python -m alumusic lancamentos importar ARQUIVO.csv."),
    "tags_48h": "Nenhuma tag citada nas últimas 48 horas.",
    "mix_diario": "Nenhum comentário classificado nos últimos 7 dias.",
    "artistas_em_alta": "Nenhum artista com ao menos 5 comentários nos últimos 7 dias.",
}

MAX_ROTULO = 28  # characters of a name on an axis or in a legend; the hover text has it whole
MAX_LANCAMENTOS = len(SEQUENCIA)  # lines in the release chart: one distinct colour each
ALTURA = 380


def build_all(report: dict, timezone: str | None = None) -> dict[str, go.Figure]:
    """Every chart of ``report``; with ``timezone``, each point also carries its drill-down link
    (``add_drilldown``)."""
    built = {key: builder(report.get(key) or []) for key, builder in _BUILDERS.items()}
    if timezone and report.get("gerado_em"):
        add_drilldown(built, report, timezone)
    return built


def describe_all(report: dict) -> dict[str, str]:
    """Each chart's short text for screen readers (same keys as ``build_all``)."""
    return {key: describe(key, report.get(key) or []) for key in _BUILDERS}


def curto(nome: str, limite: int = MAX_ROTULO) -> str:
    """``nome`` cut to ``limite`` characters with an ellipsis (axis and legend labels)."""
    nome = " ".join(str(nome).split())
    return nome if len(nome) <= limite else nome[: limite - 1].rstrip() + "…"


def _altura(linhas: int, por_linha: int) -> int:
    """Height that gives every row of a horizontal bar chart ``por_linha`` pixels (at least ALTURA)."""
    return max(ALTURA, 130 + por_linha * linhas)


def _base(key: str, fig: go.Figure, subtitulo: str | None = None, **layout) -> go.Figure:
    layout.setdefault("height", ALTURA)
    # The legend sits between the title and the plot, where it cannot collide with the axis titles.
    legend = {"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "traceorder": "normal",
              **layout.pop("legend", {})}
    fig.update_layout(
        title={"text": TITULOS[key], "x": 0.01, "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 14}, "font": {"size": 16},
               "subtitle": {"text": subtitulo or "", "font": {"size": 12, "color": "#616161"}}},
        separators=",.",
        margin=layout.pop("margin", {"l": 10, "r": 10, "t": 95, "b": 10}),
        legend=legend,
        template="plotly_white",
        hoverlabel={"namelength": -1},
        **layout,
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def _nomes_no_eixo_y(fig: go.Figure, nomes: list[str]) -> None:
    """Full names as the bars' categories (hover, data), cut names as the axis' tick labels."""
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=nomes, tickmode="array",
                     tickvals=nomes, ticktext=[curto(n) for n in nomes])


def empty(key: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=VAZIO[key].replace("\n", "<br>"), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14, "color": "#616161"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base(key, fig, meta={"vazio": True})


def categorias_por_artista(rows: list[dict]) -> go.Figure:
    key = "categorias_por_artista"
    if not rows:
        return empty(key)
    totals: dict[str, int] = defaultdict(int)
    by_cat: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        totals[r["artista"]] += r["total"]
        by_cat[r["categoria"]][r["artista"]] = r["total"]
    artistas = sorted(totals, key=lambda a: (totals[a], a))  # biggest on top of a horizontal bar
    fig = go.Figure([
        go.Bar(name=ROTULOS[c], y=artistas, x=[by_cat[c].get(a, 0) for a in artistas], orientation="h",
               marker_color=CORES[c], customdata=artistas,
               hovertemplate="%{customdata}: %{x} comentários<extra>" + ROTULOS[c] + "</extra>")
        for c in CATEGORIAS if c in by_cat
    ])
    fig.update_xaxes(title="Comentários")
    _nomes_no_eixo_y(fig, artistas)
    return _base(key, fig, barmode="stack", height=_altura(len(artistas), 28))


def _lancamentos(rows: list[dict]) -> dict[str, list[dict]]:
    """Points by release ("artista — álbum"), the most recent releases first (the rows' order)."""
    series: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        series[f"{r['artista']} — {r['album']}"].append(r)
    return dict(series)


def critica_pos_lancamento(rows: list[dict]) -> go.Figure:
    key = "critica_pos_lancamento"
    if not rows:
        return empty(key)
    series = _lancamentos(rows)
    shown = list(series.items())[:MAX_LANCAMENTOS]
    fig = go.Figure([
        go.Scatter(name=curto(name, 40), x=[p["dias_desde_lancamento"] for p in pts],
                   y=[p["pct_critica"] for p in pts], line={"color": SEQUENCIA[i % len(SEQUENCIA)]},
                   customdata=[[p["criticas"], p["total"]] for p in pts], mode="lines+markers",
                   hovertemplate="dia %{x}: %{y}% de críticas (%{customdata[0]} de %{customdata[1]})<extra>"
                                 + name.replace("<", "&lt;") + "</extra>")
        for i, (name, pts) in enumerate(shown)
    ])
    nota = f"Os {len(shown)} lançamentos mais recentes de {len(series)}." if len(series) > len(shown) else None
    fig.update_xaxes(title="Dias desde o lançamento", rangemode="tozero")
    # Both axes start at 0: the standoff keeps their two "0" labels apart at the corner.
    fig.update_yaxes(title="% de críticas", rangemode="tozero", ticklabelstandoff=6)
    return _base(key, fig, height=ALTURA + 22 * ((len(shown) + 1) // 2), subtitulo=nota,
                 margin={"l": 10, "r": 10, "t": 95 + 22 * ((len(shown) + 1) // 2), "b": 10})


def tags_48h(rows: list[dict]) -> go.Figure:
    key = "tags_48h"
    if not rows:
        return empty(key)
    rows = list(reversed(rows))  # largest on top
    rotulos = [r["rotulo"] for r in rows]
    fig = go.Figure(go.Bar(
        y=rotulos, x=[r["total"] for r in rows], orientation="h", marker_color=COR_NEUTRA,
        customdata=[[r["rotulo"], r["codigo"]] for r in rows],
        hovertemplate="%{customdata[0]} (%{customdata[1]}): %{x} citações<extra></extra>",
    ))
    fig.update_xaxes(title="Citações")
    _nomes_no_eixo_y(fig, rotulos)
    return _base(key, fig, showlegend=False, height=_altura(len(rows), 22))


def mix_diario(rows: list[dict]) -> go.Figure:
    key = "mix_diario"
    if not rows:
        return empty(key)
    dias = sorted({r["dia"] for r in rows})
    by_cat: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        by_cat[r["categoria"]][r["dia"]] = r["total"]
    labels = [date.fromisoformat(d).strftime("%d/%m") for d in dias]
    fig = go.Figure([
        go.Bar(name=ROTULOS[c], x=labels, y=[by_cat[c].get(d, 0) for d in dias], marker_color=CORES[c],
               hovertemplate="%{x}: %{y} comentários<extra>" + ROTULOS[c] + "</extra>")
        for c in CATEGORIAS if c in by_cat
    ])
    fig.update_xaxes(title="Dia", type="category", tickangle=0)
    fig.update_yaxes(title="Comentários")
    return _base(key, fig, barmode="stack")


def artistas_em_alta(rows: list[dict]) -> go.Figure:
    """Horizontal grouped bars, the artist rising most on top (rows come ranked by variation)."""
    key = "artistas_em_alta"
    if not rows:
        return empty(key)
    rows = list(reversed(rows))
    artistas = [r["artista"] for r in rows]
    extra = [["—" if r["variacao_pct"] is None else _sinal(r["variacao_pct"]), _num(r["pct_critica_7d"]),
              _num(r["pct_spam_7d"]), r["artista"]] for r in rows]
    # The whole name from customdata: %{y} would be the axis' cut tick label.
    hover = ("%{customdata[3]}<br>%{x} comentários (%{fullData.name})<br>variação %{customdata[0]}%<br>"
             "críticas %{customdata[1]}% · SPAM %{customdata[2]}%<extra></extra>")
    fig = go.Figure([
        go.Bar(name="7 dias anteriores", y=artistas, x=[r["total_7d_anterior"] for r in rows], orientation="h",
               marker_color=COR_PERIODO_ANTERIOR, customdata=extra, hovertemplate=hover),
        go.Bar(name="Últimos 7 dias", y=artistas, x=[r["total_7d"] for r in rows], orientation="h",
               marker_color=COR_PERIODO_ATUAL, customdata=extra, hovertemplate=hover),
    ])
    fig.update_xaxes(title="Comentários")
    _nomes_no_eixo_y(fig, artistas)
    # Legend in reading order (this week first), though the traces are drawn bottom-up.
    return _base(key, fig, barmode="group", height=_altura(len(artistas), 40), legend={"traceorder": "reversed"})


_BUILDERS = {
    "categorias_por_artista": categorias_por_artista,
    "critica_pos_lancamento": critica_pos_lancamento,
    "tags_48h": tags_48h,
    "mix_diario": mix_diario,
    "artistas_em_alta": artistas_em_alta,
}


# --- text for screen readers --------------------------------------------------------------------
def _num(value: float | int | None) -> str:
    """pt-BR number: 1.234 or 12,5."""
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{float(value):,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _plural(n: int, um: str, varios: str) -> str:
    return f"{_num(n)} {um if n == 1 else varios}"


def describe(key: str, rows: list[dict]) -> str:
    """A short pt-BR description of chart ``key`` drawn from ``rows`` (its empty-state text without rows)."""
    if not rows:
        return f"{TITULOS[key]}. {VAZIO[key]}"
    return f"{TITULOS[key]}. {_DESCRIBERS[key](rows)}"


def _describe_categorias_por_artista(rows: list[dict]) -> str:
    totals: dict[str, int] = defaultdict(int)
    by_artist: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        totals[r["artista"]] += r["total"]
        by_artist[r["artista"]][r["categoria"]] = r["total"]
    ranked = sorted(totals, key=lambda a: (-totals[a], a))
    top = ranked[0]
    mix = ", ".join(f"{ROTULOS[c]} {_num(by_artist[top][c])}" for c in CATEGORIAS if c in by_artist[top])
    text = (f"Barras horizontais empilhadas por categoria de {_plural(len(ranked), 'artista', 'artistas')}. "
            f"Mais comentado: {top}, {_plural(totals[top], 'comentário', 'comentários')} ({mix}).")
    if len(ranked) > 1:
        text += " Depois: " + "; ".join(f"{a}, {_num(totals[a])}" for a in ranked[1:4]) + "."
    return text


def _describe_critica_pos_lancamento(rows: list[dict]) -> str:
    series = _lancamentos(rows)
    parts = []
    for name, pts in list(series.items())[:3]:
        worst = max(pts, key=lambda p: (p["pct_critica"], -p["dias_desde_lancamento"]))
        parts.append(f"{name}: máximo de {_num(worst['pct_critica'])}% de críticas no dia "
                     f"{worst['dias_desde_lancamento']}")
    return (f"Linhas de {_plural(len(series), 'lançamento', 'lançamentos')}"
            f"{f' (os {MAX_LANCAMENTOS} mais recentes no gráfico)' if len(series) > MAX_LANCAMENTOS else ''}. "
            + "; ".join(parts) + ".")


def _describe_tags_48h(rows: list[dict]) -> str:
    return (f"Barras horizontais de {_plural(len(rows), 'tag', 'tags')}. Mais citadas: "
            + "; ".join(f"{r['rotulo']}, {_num(r['total'])}" for r in rows[:5]) + ".")


def _describe_mix_diario(rows: list[dict]) -> str:
    dias = sorted({r["dia"] for r in rows})
    by_cat: dict[str, int] = defaultdict(int)
    for r in rows:
        by_cat[r["categoria"]] += r["total"]
    total = sum(by_cat.values())
    mix = ", ".join(f"{ROTULOS[c]} {_num(round(100 * by_cat[c] / total, 1))}%" for c in CATEGORIAS if c in by_cat)
    periodo = "em " + _dm(dias[0]) if len(dias) == 1 else f"de {_dm(dias[0])} a {_dm(dias[-1])}"
    return (f"Barras empilhadas por dia, {periodo}: {_plural(total, 'comentário classificado', 'comentários classificados')}"
            f" ({mix}).")


def _dm(day: str) -> str:
    return date.fromisoformat(day).strftime("%d/%m")


def _describe_artistas_em_alta(rows: list[dict]) -> str:
    parts = []
    for r in rows[:3]:
        variacao = "" if r["variacao_pct"] is None else f" ({_sinal(r['variacao_pct'])}%)"
        parts.append(f"{r['artista']}, {_num(r['total_7d'])} contra {_num(r['total_7d_anterior'])}{variacao}")
    return (f"Barras horizontais de {_plural(len(rows), 'artista', 'artistas')}, comentários dos últimos 7 dias "
            "contra os 7 anteriores. Maiores altas: " + "; ".join(parts) + ".")


def _sinal(value: float) -> str:
    return ("+" if value > 0 else "") + _num(value)


_DESCRIBERS = {
    "categorias_por_artista": _describe_categorias_por_artista,
    "critica_pos_lancamento": _describe_critica_pos_lancamento,
    "tags_48h": _describe_tags_48h,
    "mix_diario": _describe_mix_diario,
    "artistas_em_alta": _describe_artistas_em_alta,
}


# --- drill-down: every point links to the private table with its filters --------------------------
DRILLDOWN_PATH = "/dashboard/"


def drill_link(**filters) -> str:
    """The private comments table filtered like a chart point (query names of ``pages/comentarios``)."""
    query = urlencode({k: v for k, v in filters.items() if v})
    return f"{DRILLDOWN_PATH}?{query}" if query else DRILLDOWN_PATH


def add_drilldown(built: dict[str, go.Figure], report: dict, timezone: str) -> None:
    """Put each point's link in its trace's ``meta.links`` (same order as the points); the report's
    assets/drilldown.js opens it on click. Periods are whole local days (the table's filter), so a
    rolling window ("last 7 days", "48 hours") opens as the days it touches."""
    gerado = datetime.fromisoformat(report["gerado_em"]).astimezone(ZoneInfo(timezone))
    for key, linker in _LINKERS.items():
        fig, rows = built[key], report.get(key) or []
        if rows and not (fig.layout.meta or {}).get("vazio"):
            linker(fig, rows, gerado)


def drilldown_points(fig: go.Figure) -> list[tuple[str, str]]:
    """(label, link) of every point of ``fig`` that has a drill-down link: the same links as a click,
    for a keyboard or a screen reader (the chart itself is hidden from assistive technology)."""
    return [(rotulo, link) for trace in fig.data if trace.meta and "links" in trace.meta
            for rotulo, link in zip(trace.meta["rotulos"], trace.meta["links"], strict=True) if rotulo]


def _rotulo(texto: str, n, singular: str, plural: str | None = None) -> str | None:
    """A point's label with its count; None for an empty point (a zero bar has nothing behind it)."""
    if not n:
        return None
    return f"{texto} ({n} {singular if n == 1 else plural or singular + 's'})"


def _days_back(gerado: datetime, delta: timedelta) -> str:
    return (gerado - delta).date().isoformat()


def _links_por_artista(fig: go.Figure, rows: list[dict], gerado: datetime) -> None:
    codigo = {rotulo: c for c, rotulo in ROTULOS.items()}
    desde, ate = _days_back(gerado, timedelta(days=7)), gerado.date().isoformat()
    for trace in fig.data:
        trace.meta = {"links": [drill_link(artista=a, categoria=codigo[trace.name], desde=desde, ate=ate)
                                for a in trace.y],
                      "rotulos": [_rotulo(f"{a}: {trace.name.lower()} nos últimos 7 dias", n, "comentário")
                                  for a, n in zip(trace.y, trace.x, strict=True)]}


def _links_lancamentos(fig: go.Figure, rows: list[dict], gerado: datetime) -> None:
    shown = list(_lancamentos(rows).values())[:MAX_LANCAMENTOS]
    for trace, pts in zip(fig.data, shown, strict=True):
        links, rotulos = [], []
        for p in pts:
            dia = (date.fromisoformat(str(p["lancado_em"])[:10]) + timedelta(days=p["dias_desde_lancamento"])).isoformat()
            # A single's comments name the song, not an album: the artist and the day find them.
            album = p["album"] if p.get("tipo", "album") == "album" else None
            links.append(drill_link(artista=p["artista"], album=album, categoria="CRÍTICA", desde=dia, ate=dia))
            rotulos.append(_rotulo(f"{trace.name}, {p['dias_desde_lancamento']} dia(s) após o lançamento",
                                   p["criticas"], "crítica"))
        trace.meta = {"links": links, "rotulos": rotulos}


def _links_tags(fig: go.Figure, rows: list[dict], gerado: datetime) -> None:
    desde, ate = _days_back(gerado, timedelta(hours=48)), gerado.date().isoformat()
    for trace in fig.data:
        trace.meta = {"links": [drill_link(tag=cd[1], desde=desde, ate=ate) for cd in trace.customdata],
                      "rotulos": [_rotulo(f"{cd[0]} nas últimas 48 horas", n, "citação", "citações")
                                  for cd, n in zip(trace.customdata, trace.x, strict=True)]}


def _links_mix(fig: go.Figure, rows: list[dict], gerado: datetime) -> None:
    codigo = {rotulo: c for c, rotulo in ROTULOS.items()}
    dias = sorted({r["dia"] for r in rows})
    for trace in fig.data:
        trace.meta = {"links": [drill_link(categoria=codigo[trace.name], desde=d, ate=d) for d in dias],
                      "rotulos": [_rotulo(f"{trace.name} em {date.fromisoformat(str(d)[:10]):%d/%m}", n, "comentário")
                                  for d, n in zip(dias, trace.y, strict=True)]}


def _links_alta(fig: go.Figure, rows: list[dict], gerado: datetime) -> None:
    hoje, semana, quinzena = (gerado.date().isoformat(), _days_back(gerado, timedelta(days=7)),
                              _days_back(gerado, timedelta(days=14)))
    for trace in fig.data:
        desde, ate = (semana, hoje) if trace.name == "Últimos 7 dias" else (quinzena, semana)
        trace.meta = {"links": [drill_link(artista=cd[3], desde=desde, ate=ate) for cd in trace.customdata],
                      "rotulos": [_rotulo(f"{cd[3]}: {trace.name.lower()}", n, "comentário")
                                  for cd, n in zip(trace.customdata, trace.x, strict=True)]}


_LINKERS = {
    "categorias_por_artista": _links_por_artista,
    "critica_pos_lancamento": _links_lancamentos,
    "tags_48h": _links_tags,
    "mix_diario": _links_mix,
    "artistas_em_alta": _links_alta,
}
