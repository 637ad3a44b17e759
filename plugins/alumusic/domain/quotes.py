"""How the weekly summary quotes a comment: masked, whitespace-collapsed, cut to a few characters.

The summary's sample (``alumusic.summary.sample``) shows the model and the offline text comments
in this form, so stored summaries quote them this way; erasing a comment
(``alumusic.repositories.erasure``) looks for the same forms to replace them.
"""

from __future__ import annotations

import re

from alumusic.domain.pii import mask_text

MAX_CHARS_PER_COMMENT = 240
_SPACES = re.compile(r"\s+")


def clean(texto: str, limit: int = MAX_CHARS_PER_COMMENT) -> str:
    """``texto`` with whitespace collapsed, cut to ``limit`` characters (the cut ends in ``…``)."""
    texto = _SPACES.sub(" ", texto).strip()
    return texto if len(texto) <= limit else texto[: limit - 1].rstrip() + "…"


def quoted_forms(texto: str) -> set[str]:
    """Every form in which a summary may quote ``texto`` verbatim: masked, whole or cut, with and
    without the ellipsis of the cut."""
    masked = mask_text(texto)
    forms = {clean(masked, limit=10**9), clean(masked)}
    return forms | {q.removesuffix("…").rstrip() for q in forms}
