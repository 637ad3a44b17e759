"""Insights Q&A over the weekly summaries; used by the API and the dashboard.

``answer_question(engine_or_conn, pergunta, origem=..., autor=...)`` is the one entry point; it
masks personal data (``alumusic.domain.pii``) in the question, the summaries and the answer (see
``service``).
"""

from alumusic.insights.service import (
    MAX_PALAVRAS,
    MAX_PERGUNTA,
    InsightsIndisponivel,
    PerguntaInvalida,
    answer_question,
)

__all__ = ["MAX_PALAVRAS", "MAX_PERGUNTA", "InsightsIndisponivel", "PerguntaInvalida", "answer_question"]
