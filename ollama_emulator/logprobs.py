"""Plausible token log-probabilities for an emulated answer, shaped like Ollama's (0.12.11+).

Ollama answers a request with ``"logprobs": true`` (and optionally ``"top_logprobs": N``) with a
top-level ``"logprobs"`` list, one entry per generated token::

    {"token": "EL", "logprob": -0.04, "bytes": [69, 76],
     "top_logprobs": [{"token": "EL", "logprob": -0.04, "bytes": [69, 76]}, ...]}

Here the answer is cut into small deterministic pieces (``tokenize``): up to 4 ASCII letters
(with a leading space), up to 3 digits, a run of whitespace, any other character -- and a
non-ASCII character becomes one token per UTF-8 byte, as a byte-level BPE does with rare
characters, whose ``token`` text is then U+FFFD (Go's JSON encoder replaces the invalid UTF-8)
while ``bytes`` holds the real byte. So ``CRÍTICA`` is ``CR``, two byte tokens, ``TICA``.

Every token gets a logprob derived from a hash of its text and position (punctuation and
whitespace near 0, words down to about -1.5). The tokens of the top-level ``"categoria"`` value
share ``log(category_confidence)`` -- 97% on the first one, where a real model decides, the rest
on the others -- so exp(their sum) is the confidence the emulator chose for the answer. The
``top_logprobs`` of the category's first token list the other categories' first tokens, sharing
most of the remaining probability; elsewhere they list filler tokens.
"""

from __future__ import annotations

import math
import re
import zlib
from typing import Any

from alumusic.domain import CATEGORIAS

_PIECE = re.compile(r" ?[A-Za-z]{1,4}|[0-9]{1,3}|\s+|.", re.S)
_CATEGORIA_VALUE = re.compile(r'"categoria"\s*:\s*"((?:[^"\\]|\\.)*)"')
_JSON_KEY = re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*:)')
FIRST_TOKEN_SHARE = 0.97  # of the category's log-probability, on its first token
_CATEGORY_ALTERNATIVE_SHARES = (0.6, 0.2, 0.1, 0.05, 0.025)  # of what the chosen category leaves
_FILLERS = (" ", ",", "\n", ".", " de", "a", " o", "e")
_MIN_PROBABILITY = 1e-12  # keeps every logprob finite (JSON has no -Infinity)


def tokenize(content: str) -> list[bytes]:
    """The answer as the emulator's tokens (raw bytes; their concatenation is ``content``)."""
    pieces: list[bytes] = []
    for match in _PIECE.finditer(content):
        piece = match.group()
        raw = piece.encode("utf-8")
        if len(piece) == 1 and len(raw) > 1:
            pieces.extend(bytes([b]) for b in raw)
        else:
            pieces.append(raw)
    return pieces


def token_text(raw: bytes) -> str:
    """A token's ``token`` field: its text, U+FFFD where it holds part of a character."""
    return raw.decode("utf-8", errors="replace")


def category_token_indexes(pieces: list[bytes], content: str) -> list[int]:
    """The tokens overlapping the characters of the first ``"categoria"`` string value."""
    match = _CATEGORIA_VALUE.search(content)
    if match is None or match.start(1) == match.end(1):
        return []
    start = len(content[: match.start(1)].encode("utf-8"))
    end = len(content[: match.end(1)].encode("utf-8"))
    indexes, pos = [], 0
    for i, raw in enumerate(pieces):
        if pos < end and pos + len(raw) > start:
            indexes.append(i)
        pos += len(raw)
    return indexes


def _key_byte_spans(content: str) -> list[tuple[int, int]]:
    """Where the JSON object keys are (the schema makes them near certain)."""
    return [(len(content[: m.start()].encode("utf-8")), len(content[: m.end()].encode("utf-8")))
            for m in _JSON_KEY.finditer(content)]


def _ordinary_logprob(raw: bytes, position: int, structural: bool) -> float:
    h = zlib.crc32(raw + position.to_bytes(4, "little"))
    if structural or not any(chr(b).isalnum() for b in raw if b < 128):  # keys, punctuation, spaces, bytes
        return -((h % 50) + 1) * 1e-5
    return -((h % 1000) + 1) / 1000 * 1.5


def _entry(raw: bytes, logprob: float) -> dict[str, Any]:
    return {"token": token_text(raw), "logprob": logprob, "bytes": list(raw)}


def _alternatives(chosen: bytes, logprob: float, candidates: list[bytes], shares: tuple[float, ...],
                  top_n: int) -> list[dict[str, Any]]:
    # Greedy decoding (temperature 0) picked ``chosen``: no alternative is likelier.
    chosen_p = math.exp(logprob)
    left = max(1.0 - chosen_p, 0.0)
    alts = [c for c in dict.fromkeys(candidates) if c != chosen]
    listed = [_entry(chosen, logprob)] + [
        _entry(c, math.log(max(min(left * share, 0.9 * chosen_p), _MIN_PROBABILITY)))
        for c, share in zip(alts, shares, strict=False)]
    listed.sort(key=lambda e: e["logprob"], reverse=True)
    return listed[:top_n]


def token_logprobs(content: str, category_confidence: float | None, top_n: int = 0) -> list[dict[str, Any]]:
    """Ollama's ``logprobs`` list for ``content``; the category's tokens carry
    ``category_confidence`` (None: ordinary logprobs there too); ``top_n`` alternatives each."""
    pieces = tokenize(content)
    keys = _key_byte_spans(content)
    logprobs, pos = [], 0
    for i, raw in enumerate(pieces):
        in_key = any(pos < end and pos + len(raw) > start for start, end in keys)
        logprobs.append(_ordinary_logprob(raw, i, in_key))
        pos += len(raw)
    category = category_token_indexes(pieces, content)
    if category and category_confidence is not None:
        total = math.log(min(max(category_confidence, _MIN_PROBABILITY), 1.0))
        if len(category) == 1:
            logprobs[category[0]] = total
        else:
            logprobs[category[0]] = total * FIRST_TOKEN_SHARE
            for i in category[1:]:
                logprobs[i] = total * (1 - FIRST_TOKEN_SHARE) / (len(category) - 1)
    chosen = next((c for c in CATEGORIAS if tokenize(c)[0] == pieces[category[0]]), None) if category else None
    others = ["OUTRO", *CATEGORIAS]
    category_firsts = [tokenize(c)[0] for c in others if c != chosen]
    entries = []
    for i, (raw, logprob) in enumerate(zip(pieces, logprobs, strict=True)):
        entry = _entry(raw, logprob)
        if top_n:
            if category and i == category[0]:
                entry["top_logprobs"] = _alternatives(raw, logprob, category_firsts,
                                                      _CATEGORY_ALTERNATIVE_SHARES, top_n)
            else:
                fillers = [f.encode() for f in _FILLERS]
                entry["top_logprobs"] = _alternatives(raw, logprob, fillers,
                                                      tuple(0.5 ** (k + 1) for k in range(len(fillers))), top_n)
        entries.append(entry)
    return entries


def truncated(entries: list[dict[str, Any]], content: str) -> list[dict[str, Any]]:
    """A cut list (failure mode ``logprobs_truncated``): it stops inside the category's value
    (or halfway, without one), so it no longer spells the answer."""
    category = category_token_indexes(tokenize(content), content)
    return entries[: category[-1]] if category else entries[: len(entries) // 2]


def invalid(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An unreadable list (failure mode ``logprobs_invalid``): logprobs as text, no bytes."""
    return [{"token": e["token"], "logprob": f"{e['logprob']:.3f}"} for e in entries]
