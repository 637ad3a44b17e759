"""The one palette of every chart (public report, dashboard, weekly e-mail) and the categories' pt-BR labels.

Okabe & Ito's colour-blind-safe set (https://jfly.uni-koeln.de/color/): each category keeps its
colour everywhere, so a curator who learnt "Crítica is vermilion" on the dashboard reads the
e-mail the same way. Colours are plain hex strings: the dashboard (plotly) and the e-mail charts
(matplotlib) both take them as they are.
"""

from __future__ import annotations

from alumusic.domain.categories import CATEGORIAS

# Okabe-Ito (2008), plus its grey for "no particular meaning".
LARANJA = "#E69F00"
AZUL_CEU = "#56B4E9"
VERDE_AZULADO = "#009E73"
AMARELO = "#F0E442"
AZUL = "#0072B2"
VERMELHAO = "#D55E00"
ROXO_AVERMELHADO = "#CC79A7"
PRETO = "#000000"
CINZA = "#999999"

CORES_CATEGORIA: dict[str, str] = {
    "ELOGIO": VERDE_AZULADO,
    "CRÍTICA": VERMELHAO,
    "SUGESTÃO": AZUL,
    "DÚVIDA": LARANJA,
    "SPAM": ROXO_AVERMELHADO,
    "OUTRO": CINZA,
}
ROTULOS_CATEGORIA: dict[str, str] = {
    "ELOGIO": "Elogio", "CRÍTICA": "Crítica", "SUGESTÃO": "Sugestão", "DÚVIDA": "Dúvida", "SPAM": "SPAM",
    "OUTRO": "Outro",
}
assert set(CORES_CATEGORIA) == set(ROTULOS_CATEGORIA) == set(CATEGORIAS)

# Two periods compared side by side (this week / the one before): same hue family, clearly apart.
COR_PERIODO_ATUAL = AZUL
COR_PERIODO_ANTERIOR = AZUL_CEU
# A single series without categories (e.g. tags).
COR_NEUTRA = AZUL
# Several unrelated series (e.g. one line per release): the palette in an order that keeps
# neighbours distinguishable; repeats after eight.
SEQUENCIA: tuple[str, ...] = (AZUL, LARANJA, VERDE_AZULADO, VERMELHAO, ROXO_AVERMELHADO, AZUL_CEU, PRETO, AMARELO)
