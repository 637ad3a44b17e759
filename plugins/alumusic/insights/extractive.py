"""Offline answers: the summary sentences that share most topic words with the question.

Nothing is generated: every sentence is quoted from a stored summary and tagged with its week,
so an offline answer can be wrong about relevance but never invents a fact. The question and the
summaries come masked, and the answer is masked again before it is returned or logged
(``service.answer_question``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from alumusic.insights.words import count_words, stems

_SPLIT = re.compile(r"(?<=[.!?])\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class Sentence:
    semana: str
    texto: str
    posicao: int  # order inside its summary


def sentences(semana: str, texto: str) -> list[Sentence]:
    """Sentences of a summary, without headings and markers such as ``[modo offline]``."""
    out: list[Sentence] = []
    for line in texto.splitlines():
        line = _BULLET.sub("", line.strip().lstrip("#").strip())
        if not line or line.startswith("[") or count_words(line) < 4:
            continue  # headings ("Hype"), markers and fragments carry no answer
        for part in _SPLIT.split(line):
            part = part.strip()
            if count_words(part) >= 4:
                out.append(Sentence(semana, part, len(out)))
    return out


def answer(pergunta: str, summaries: Sequence[tuple[str, str]], max_words: int) -> tuple[str, list[str]]:
    """``(resposta, semanas usadas)`` from ``summaries`` = ``[(semana, texto)]``, newest first."""
    wanted = stems(pergunta)
    recency = {semana: i for i, (semana, _) in enumerate(summaries)}
    scored = []
    for semana, texto in summaries:
        for s in sentences(semana, texto):
            score = len(wanted & stems(s.texto))
            if score:
                scored.append((-score, recency[semana], s.posicao, s))
    scored.sort(key=lambda item: item[:3])

    intro = "Trechos dos resumos semanais mais relevantes para a pergunta:"
    chosen: list[Sentence] = []
    if not scored:
        # Nothing matches: say so, and quote the start of the newest summary instead.
        intro = ("Os resumos não tratam diretamente desse assunto. "
                 "Destaques do resumo mais recente:")
        chosen_pool = sentences(*summaries[0])[:3] if summaries else []
    else:
        chosen_pool = [item[3] for item in scored]

    budget = max_words - count_words(intro)
    for s in chosen_pool:
        cost = count_words(s.texto) + 1  # "(2026-W47)" counts as one word
        if cost <= budget:
            chosen.append(s)
            budget -= cost
    if not chosen and chosen_pool:
        chosen.append(chosen_pool[0])  # one very long sentence: the caller's word cap trims it
    if not chosen:
        return "Os resumos das últimas semanas não trazem essa informação.", []

    # Quote in the order of the summaries (newest week first, then position) so it reads well.
    chosen.sort(key=lambda s: (recency[s.semana], s.posicao))
    body = " ".join(f"({s.semana}) {s.texto}" for s in chosen)
    semanas = list(dict.fromkeys(s.semana for s in chosen))
    return f"{intro} {body}", semanas
