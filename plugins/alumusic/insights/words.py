"""Word-level text helpers for answers: the hard word cap and search tokens (pt-BR)."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?…](?=[\"”')\]]*$)")
_TOKEN = re.compile(r"[a-z0-9]+")

# Frequent pt-BR words that carry no topic; kept short on purpose (questions are short).
STOPWORDS = frozenset(
    """a ao aos as ate com como da das de dela dele do dos e ela ele em entre era essa esse esta
    este eu foi foram ha isso isto ja la mais mas me mesmo muito na nas nao no nos num numa o os
    ou para pela pelo por qual quais quando que quem se sem ser seu sua sao tem ter um uma umas
    uns voce voces sobre semana semanas ultima ultimas ultimo ultimos quanto quantos quantas
    houve teve estao esta""".split()
)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def cap_words(text: str, limit: int) -> str:
    """``text`` with at most ``limit`` words.

    Cuts at the last sentence end inside the limit when that keeps most of the text, otherwise
    after the limit-th word with an ellipsis glued to it (so the ellipsis is not a word).
    """
    text = text.strip()
    matches = list(_WORD.finditer(text))
    if len(matches) <= limit:
        return text
    kept = matches[:limit]
    for i in range(len(kept) - 1, int(limit * 0.6) - 1, -1):
        if _SENTENCE_END.search(kept[i].group()):
            return text[: kept[i].end()]
    return text[: kept[-1].end()].rstrip(",;:") + "…"


def fold(text: str) -> str:
    """Lower case without accents: 'Críticas' -> 'criticas'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stems(text: str) -> set[str]:
    """Topic stems of ``text``: folded words minus stopwords, cut to 6 letters so that
    'crítica', 'críticas' and 'criticado' meet."""
    return {tok[:6] for tok in _TOKEN.findall(fold(text)) if len(tok) >= 3 and tok not in STOPWORDS}
