"""A capped, representative sample of the week's comments for the LLM prompt.

How it is capped (the prompt must fit the model's context, ``OLLAMA_NUM_CTX`` tokens):
- at most ``QUOTAS[categoria]`` comments per category (business categories get more room than
  SPAM/OUTRO), 24 in total;
- inside a category, one comment per artist before a second one of the same artist (diversity),
  then the most confident classifications; ties broken by a hash of the id (deterministic);
- each text is whitespace-collapsed and cut to ``MAX_CHARS_PER_COMMENT`` characters
  (``alumusic.domain.quotes.clean``: erasure looks for quotes in that form);
- the whole sample stops at a character budget derived from ``num_ctx``: what is left after the
  instructions, the statistics and the answer, at ~3 characters per token (pt-BR, conservative).
Categories are interleaved while filling the budget, so a small context still sees every category.

Personal data (LGPD): this is the one place the weekly summary reads comment text, so it is
masked here (``alumusic.domain.pii``: ``[e-mail]``, ``[telefone]``, ``[CPF]``, ``[CNPJ]``,
``[link pessoal]``), together with the artist and album fields, before anything else sees it:
the LLM prompt (``text.messages``) and the offline text's quotes (``text.offline_summary``) only
ever get the masked sample. The whole text is masked before it is cut to
``MAX_CHARS_PER_COMMENT``, so a cut can never leave half an e-mail that the detector misses.
Comments whose text was erased or removed by retention are left out (their placeholder text is
not a comment; their counts still are in the statistics). The ranked pool of the week's comments is
read by ``alumusic.repositories.weekly.sample_pool``.
"""

from __future__ import annotations

import sqlalchemy as sa

from alumusic.domain import quotes
from alumusic.domain.pii import mask_text
from alumusic.repositories import weekly
from alumusic.summary.weeks import IsoWeek

__all__ = ["QUOTAS", "budget_chars", "sample_comments"]

QUOTAS = {"ELOGIO": 6, "CRÍTICA": 6, "SUGESTÃO": 4, "DÚVIDA": 4, "SPAM": 2, "OUTRO": 2}
CHARS_PER_TOKEN = 3
RESERVED_TOKENS = 2200  # system prompt (~500), statistics (~700), the answer (~1000)
MIN_BUDGET_CHARS = 1500


def budget_chars(num_ctx: int) -> int:
    return max(MIN_BUDGET_CHARS, (num_ctx - RESERVED_TOKENS) * CHARS_PER_TOKEN)


def sample_comments(conn: sa.Connection, week: IsoWeek, *, budget: int) -> list[dict]:
    """``[{"categoria", "artista", "album", "texto"}]`` in round-robin category order, with
    personal data masked in ``texto``, ``artista`` and ``album``."""
    rows = weekly.sample_pool(conn, week, per_category=max(QUOTAS.values()))
    chosen, used = [], 0
    for row in rows:  # ordered by rank inside category: category round-robin
        if row["r"] > QUOTAS.get(row["categoria"], 0):
            continue
        item = {"categoria": row["categoria"], "artista": mask_text(row["artista"]),
                "album": mask_text(row["album"]), "texto": quotes.clean(mask_text(row["texto"]))}
        cost = len(item["texto"]) + 40  # the line's label (category, artist, album)
        if used + cost > budget:
            break
        chosen.append(item)
        used += cost
    return chosen
