"""A capped, representative sample of the week's comments for the LLM prompt.

How it is capped (the prompt must fit the model's context, ``OLLAMA_NUM_CTX`` tokens):
- at most ``QUOTAS[categoria]`` comments per category (business categories get more room than
  SPAM/OUTRO), 24 in total;
- inside a category, one comment per artist before a second one of the same artist (diversity),
  then the most confident classifications; ties broken by a hash of the id (deterministic);
- each text is whitespace-collapsed and cut to ``MAX_CHARS_PER_COMMENT`` characters;
- the whole sample stops at a character budget derived from ``num_ctx``: what is left after the
  instructions, the statistics and the answer, at ~3 characters per token (pt-BR, conservative).
Categories are interleaved while filling the budget, so a small context still sees every category.

Personal data (LGPD): this is the one place the weekly summary reads comment text, so it is
masked here (``alumusic.pii``: ``[e-mail]``, ``[telefone]``, ``[CPF]``, ``[CNPJ]``,
``[link pessoal]``), together with the artist and album fields, before anything else sees it:
the LLM prompt (``text.messages``) and the offline text's quotes (``text.offline_summary``) only
ever get the masked sample. The whole text is masked before it is cut to
``MAX_CHARS_PER_COMMENT``, so a cut can never leave half an e-mail that the detector misses.
Comments whose text was erased or removed by retention are left out (their placeholder text is
not a comment; their counts still are in the statistics).
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from alumusic.pii import mask_text
from alumusic.summary.weeks import IsoWeek

QUOTAS = {"ELOGIO": 6, "CRÍTICA": 6, "SUGESTÃO": 4, "DÚVIDA": 4, "SPAM": 2, "OUTRO": 2}
MAX_CHARS_PER_COMMENT = 240
CHARS_PER_TOKEN = 3
RESERVED_TOKENS = 2200  # system prompt (~500), statistics (~700), the answer (~1000)
MIN_BUDGET_CHARS = 1500

_SQL = sa.text(
    """
    WITH semana AS (
        SELECT c.id, c.texto, c.artista, c.album, k.categoria, k.confianca,
               row_number() OVER (PARTITION BY k.categoria, coalesce(c.artista, '')
                                  ORDER BY k.confianca DESC, md5(c.id::text)) AS r_artista
          FROM comentarios c
          JOIN classificacoes k ON k.id = c.classificacao_atual_id
         WHERE c.recebido_em >= CAST(:inicio AS date) AND c.recebido_em < CAST(:fim AS date)
           AND length(btrim(c.texto)) >= 10
           AND c.texto_removido_em IS NULL  -- erased or past retention: a placeholder, not a comment
    ), ordenado AS (
        SELECT *, row_number() OVER (PARTITION BY categoria
                                     ORDER BY r_artista, confianca DESC, md5(id::text)) AS r
          FROM semana
    )
    SELECT categoria, artista, album, texto, r FROM ordenado WHERE r <= :maximo ORDER BY r, categoria
    """
)


def budget_chars(num_ctx: int) -> int:
    return max(MIN_BUDGET_CHARS, (num_ctx - RESERVED_TOKENS) * CHARS_PER_TOKEN)


def clean(texto: str, limit: int = MAX_CHARS_PER_COMMENT) -> str:
    texto = re.sub(r"\s+", " ", texto).strip()
    return texto if len(texto) <= limit else texto[: limit - 1].rstrip() + "…"


def sample_comments(conn: sa.Connection, week: IsoWeek, *, budget: int) -> list[dict]:
    """``[{"categoria", "artista", "album", "texto"}]`` in round-robin category order, with
    personal data masked in ``texto``, ``artista`` and ``album``."""
    rows = conn.execute(_SQL, {"inicio": week.inicio, "fim": week.fim + timedelta(days=1),
                               "maximo": max(QUOTAS.values())}).mappings()
    chosen, used = [], 0
    for row in rows:  # ordered by rank inside category: category round-robin
        if row["r"] > QUOTAS.get(row["categoria"], 0):
            continue
        item = {"categoria": row["categoria"], "artista": mask_text(row["artista"]),
                "album": mask_text(row["album"]), "texto": clean(mask_text(row["texto"]))}
        cost = len(item["texto"]) + 40  # the line's label (category, artist, album)
        if used + cost > budget:
            break
        chosen.append(item)
        used += cost
    return chosen
