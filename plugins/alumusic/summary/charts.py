"""The weekly e-mail's pictures: small PNG charts rendered on the server with matplotlib.

Mail clients run no scripts and many block remote images, so the charts travel inside the
message (CID parts, see ``message.build_message``), each with an alt text that says what it
shows, built from the same numbers. Rendering uses matplotlib's object API on the Agg canvas
(no pyplot, no global backend state: safe in Airflow workers and threads). Colours are the
product's one palette (``alumusic.domain.palette``), so a category looks the same in the
report, the dashboard and the e-mail.

Input is the stored statistics (``stats.weekly_stats``), already masked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from alumusic.domain import CATEGORIAS
from alumusic.domain.palette import COR_PERIODO_ANTERIOR, COR_PERIODO_ATUAL, CORES_CATEGORIA, ROTULOS_CATEGORIA
from alumusic.summary import fmt

WIDTH_PX = 560  # shown at this width in the e-mail; drawn at twice that for sharp high-DPI screens
DPI = 100
SCALE = 2
TOP_TAGS = 6
MAX_ROTULO = 26
DIAS_SEMANA = ("seg", "ter", "qua", "qui", "sex", "sáb", "dom")


@dataclass(frozen=True)
class Chart:
    """One picture of the e-mail: ``name`` (file and Content-ID stem), PNG bytes, alt text, size shown."""

    name: str
    png: bytes
    alt: str
    width: int
    height: int


def charts(stats: dict) -> list[Chart]:
    """The pictures for ``stats``'s week (none when the week has nothing to draw)."""
    return [c for c in (category_mix_by_day(stats), top_tags(stats)) if c is not None]


def _figure(height_px: int) -> Figure:
    fig = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI * SCALE, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#bbbbbb")
    ax.spines["bottom"].set_color("#bbbbbb")
    ax.tick_params(colors="#333333", labelsize=9)


def _curto(nome: str) -> str:
    return nome if len(nome) <= MAX_ROTULO else nome[: MAX_ROTULO - 1].rstrip() + "…"


def _dia(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{DIAS_SEMANA[d.weekday()]} {d:%d/%m}"


def category_mix_by_day(stats: dict) -> Chart | None:
    """Stacked bars: the week's classified comments of each day (Monday to Sunday) by category."""
    rows = stats.get("categorias_por_dia")
    if not rows:
        return None
    inicio = date.fromisoformat(stats["inicio"])
    dias = [date.fromordinal(inicio.toordinal() + i).isoformat() for i in range(7)]
    counts = {(r["dia"], r["categoria"]): int(r["total"]) for r in rows}
    present = [c for c in CATEGORIAS if any(counts.get((d, c)) for d in dias)]
    columns = len(present) if len(present) <= 4 else 3  # six names do not fit one row at this width
    height = 250 if columns == len(present) else 270
    fig = _figure(height)
    ax = fig.add_subplot()
    bottom = [0] * 7
    for c in present:
        values = [counts.get((d, c), 0) for d in dias]
        ax.bar(range(7), values, bottom=bottom, color=CORES_CATEGORIA[c], label=ROTULOS_CATEGORIA[c], width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(7), [_dia(d) for d in dias])
    ax.yaxis.get_major_locator().set_params(integer=True)
    _style(ax)
    fig.legend(loc="outside lower center", ncols=columns, frameon=False, fontsize=9)
    fig.suptitle("Categorias por dia", x=0.01, ha="left", fontsize=11, fontweight="bold", color="#222222")

    totals = dict(zip(dias, bottom, strict=True))
    pico = max(dias, key=lambda d: (totals[d], d))
    week_total = sum(bottom)
    mix = ", ".join(f"{ROTULOS_CATEGORIA[c]} {fmt.inteiro(sum(counts.get((d, c), 0) for d in dias))}" for c in present)
    alt = (f"Gráfico de barras empilhadas: comentários classificados por dia e categoria, de {_dia(dias[0])} a "
           f"{_dia(dias[-1])}. Total {fmt.inteiro(week_total)} ({mix}). Dia com mais comentários: "
           f"{_dia(pico)}, {fmt.inteiro(totals[pico])}.")
    return Chart("categorias-por-dia", _png(fig), alt, WIDTH_PX, height)


def _mudanca(atual: int, anterior: int) -> str:
    if not anterior:
        return "nova"
    diff = atual - anterior
    return "igual" if diff == 0 else f"{diff:+d}".replace("-", "−")


def top_tags(stats: dict) -> Chart | None:
    """Horizontal bars: the week's most cited tags against the week before, with the change written."""
    tags = (stats.get("top_tags") or [])[:TOP_TAGS]
    if not tags:
        return None
    with_previous = bool(stats["volume"]["semana_anterior"])
    tags = list(reversed(tags))  # most cited on top
    height = 95 + 34 * len(tags)
    fig = _figure(height)
    ax = fig.add_subplot()
    ys = range(len(tags))
    bar = 0.38 if with_previous else 0.6
    ax.barh([y + (bar / 2 if with_previous else 0) for y in ys], [t["total"] for t in tags], height=bar,
            color=COR_PERIODO_ATUAL, label="Esta semana")
    if with_previous:
        ax.barh([y - bar / 2 for y in ys], [t["semana_anterior"] for t in tags], height=bar,
                color=COR_PERIODO_ANTERIOR, label="Semana anterior")
    ax.set_yticks(list(ys), [_curto(t["rotulo"]) for t in tags])
    ax.xaxis.get_major_locator().set_params(integer=True)
    top = max(max(t["total"], t["semana_anterior"]) for t in tags)
    ax.set_xlim(0, (top or 1) * 1.18)  # room for the change written after each pair of bars
    if with_previous:
        for y, t in zip(ys, tags, strict=True):
            ax.annotate(_mudanca(t["total"], t["semana_anterior"]), xy=(max(t["total"], t["semana_anterior"]), y),
                        xytext=(5, 0), textcoords="offset points", va="center", fontsize=9, color="#333333")
    _style(ax)
    if with_previous:
        fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    fig.suptitle("Tags mais citadas" + (" e a mudança na semana" if with_previous else ""), x=0.01, ha="left",
                 fontsize=11, fontweight="bold", color="#222222")

    ranked = list(reversed(tags))
    if with_previous:
        parts = [f"{t['rotulo']} {fmt.inteiro(t['total'])} (semana anterior {fmt.inteiro(t['semana_anterior'])})"
                 for t in ranked]
    else:
        parts = [f"{t['rotulo']} {fmt.inteiro(t['total'])}" for t in ranked]
    alt = (f"Gráfico de barras: as {len(ranked)} tags mais citadas da semana"
           f"{' contra a semana anterior' if with_previous else ''}: " + "; ".join(parts) + ".")
    return Chart("tags-da-semana", _png(fig), alt, WIDTH_PX, height)
