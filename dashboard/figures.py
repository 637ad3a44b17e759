"""The five report charts as plotly figures, from the rows of ``repositories.report`` (pt-BR labels)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import plotly.graph_objects as go

from alumusic.domain import CATEGORIAS

CORES = {
    "ELOGIO": "#2e7d32", "CRÍTICA": "#c62828", "SUGESTÃO": "#1565c0",
    "DÚVIDA": "#ef6c00", "SPAM": "#6a1b9a", "OUTRO": "#9e9e9e",
}
ROTULOS = {"ELOGIO": "Elogio", "CRÍTICA": "Crítica", "SUGESTÃO": "Sugestão", "DÚVIDA": "Dúvida",
           "SPAM": "SPAM", "OUTRO": "Outro"}

TITULOS = {
    "categorias_por_artista": "Categorias por artista (10 mais comentados, últimos 7 dias)",
    "critica_pos_lancamento": "Críticas depois de cada lançamento (% por dia desde o lançamento)",
    "tags_48h": "Tags mais citadas nas últimas 48 horas",
    "mix_diario": "Mistura diária de categorias (últimos 7 dias)",
    "artistas_em_alta": "Artistas em alta: comentários nos últimos 7 dias contra os 7 anteriores",
}
VAZIO = {
    "categorias_por_artista": "Nenhum comentário classificado nos últimos 7 dias.",
    "critica_pos_lancamento": "Nenhum lançamento dos últimos 120 dias com comentários classificados.",
    "tags_48h": "Nenhuma tag citada nas últimas 48 horas.",
    "mix_diario": "Nenhum comentário classificado nos últimos 7 dias.",
    "artistas_em_alta": "Nenhum artista com ao menos 5 comentários nos últimos 7 dias.",
}


def build_all(report: dict) -> dict[str, go.Figure]:
    return {key: builder(report.get(key) or []) for key, builder in _BUILDERS.items()}


def _base(key: str, fig: go.Figure, **layout) -> go.Figure:
    fig.update_layout(
        title={"text": TITULOS[key], "x": 0.01, "font": {"size": 16}},
        separators=",.",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        template="plotly_white",
        height=380,
        **layout,
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def empty(key: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=VAZIO[key], showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
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
               marker_color=CORES[c], hovertemplate="%{y}: %{x} comentários<extra>" + ROTULOS[c] + "</extra>")
        for c in CATEGORIAS if c in by_cat
    ])
    fig.update_xaxes(title="Comentários")
    return _base(key, fig, barmode="stack")


def critica_pos_lancamento(rows: list[dict]) -> go.Figure:
    key = "critica_pos_lancamento"
    if not rows:
        return empty(key)
    series: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        series[f"{r['artista']} — {r['album']}"].append(r)
    fig = go.Figure([
        go.Scatter(name=name, x=[p["dias_desde_lancamento"] for p in pts], y=[p["pct_critica"] for p in pts],
                   customdata=[[p["criticas"], p["total"]] for p in pts], mode="lines+markers",
                   hovertemplate="dia %{x}: %{y}% de críticas (%{customdata[0]} de %{customdata[1]})<extra>"
                                 + name + "</extra>")
        for name, pts in series.items()
    ])
    fig.update_xaxes(title="Dias desde o lançamento", rangemode="tozero")
    fig.update_yaxes(title="% de críticas", rangemode="tozero")
    return _base(key, fig)


def tags_48h(rows: list[dict]) -> go.Figure:
    key = "tags_48h"
    if not rows:
        return empty(key)
    rows = list(reversed(rows))  # largest on top
    fig = go.Figure(go.Bar(
        y=[r["rotulo"] for r in rows], x=[r["total"] for r in rows], orientation="h", marker_color="#00838f",
        customdata=[r["codigo"] for r in rows], hovertemplate="%{y} (%{customdata}): %{x} citações<extra></extra>",
    ))
    fig.update_xaxes(title="Citações")
    return _base(key, fig, showlegend=False)


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
    fig.update_xaxes(title="Dia", type="category")
    fig.update_yaxes(title="Comentários")
    return _base(key, fig, barmode="stack")


def artistas_em_alta(rows: list[dict]) -> go.Figure:
    key = "artistas_em_alta"
    if not rows:
        return empty(key)
    artistas = [r["artista"] for r in rows]
    extra = [[r["variacao_pct"], r["pct_critica_7d"], r["pct_spam_7d"]] for r in rows]
    hover = ("%{x}: %{y} comentários<br>variação %{customdata[0]}%<br>"
             "críticas %{customdata[1]}% · SPAM %{customdata[2]}%<extra>%{fullData.name}</extra>")
    fig = go.Figure([
        go.Bar(name="Últimos 7 dias", x=artistas, y=[r["total_7d"] for r in rows], marker_color="#1565c0",
               customdata=extra, hovertemplate=hover),
        go.Bar(name="7 dias anteriores", x=artistas, y=[r["total_7d_anterior"] for r in rows],
               marker_color="#90caf9", customdata=extra, hovertemplate=hover),
    ])
    fig.update_yaxes(title="Comentários")
    return _base(key, fig, barmode="group")


_BUILDERS = {
    "categorias_por_artista": categorias_por_artista,
    "critica_pos_lancamento": critica_pos_lancamento,
    "tags_48h": tags_48h,
    "mix_diario": mix_diario,
    "artistas_em_alta": artistas_em_alta,
}
