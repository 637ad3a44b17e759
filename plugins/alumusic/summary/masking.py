"""Personal data (LGPD) masked with ``alumusic.pii`` in whatever the summary and insights let out.

Comment text is private: it may hold e-mails, phones, CPFs, CNPJs and profile links that
listeners pasted. Anything derived from it that leaves the private area (an LLM prompt, a stored
summary read by others, an e-mail, an insights answer) goes through these helpers. Masking is
idempotent (the labels ``[e-mail]``, ``[telefone]``... are not personal data themselves), so a
text masked twice reads the same.

The spans stored on each comment (``comentarios.dados_pessoais``) are not used: detection runs
again on the text at hand, so the current detector always applies (and text derived from a
comment -- cut, quoted, echoed by a model -- has no stored spans anyway).
"""

from __future__ import annotations

from typing import Any

from alumusic import pii


def mask_text(text: str | None) -> str | None:
    """``text`` with its personal data replaced by the pt-BR labels (None stays None)."""
    return pii.mask(text) if text else text


def mask_strings(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, scalars) with every string value masked.

    Dictionary keys are kept: they are the code's own field names, never user text.
    """
    if isinstance(value, str):
        return pii.mask(value)
    if isinstance(value, dict):
        return {key: mask_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_strings(item) for item in value]
    return value
