"""Text normalisation for the offline classifier: forgiving of accents, shouting, slang and typos.

The rules never look at raw text. They see a :class:`Normalized` comment:

- ``canon``: lower case, no accents, letters repeated 3+ times squeezed (``lindaaaa`` -> ``linda``),
  internet slang expanded (``vc`` -> ``voce``, ``mt`` -> ``muito``, ``d+`` -> ``demais``), and every
  token mapped to its canonical spelling when it is a known lexicon word written with a doubled,
  missing or swapped letter (``lnda`` -> ``linda``, ``amoo`` -> ``amo``, ``adoreii`` -> ``adorei``).
  Tokens are separated by single spaces; punctuation that matters to the rules (``? ! , .``) is
  kept as separate tokens.
- ``plain``: lower case, no accents, original spacing and punctuation (links, e-mails, phones).
- a few surface features: share of upper-case letters, ``?``/``!`` counts, laughter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from alumusic.classification import lexicon

_TOKEN_RE = re.compile(r"[a-z0-9]+|[?!.,;:]")
_RUN3_RE = re.compile(r"([a-z])\1{2,}")
_RUN2_RE = re.compile(r"([a-z])\1+")
_SPACED_RE = re.compile(r"(?<![a-z0-9])(?:[a-z] {1,3}){3,}[a-z](?![a-z0-9])")
_LAUGH_RE = re.compile(r"\b(?:k{3,}|(?:ha){2,}h?|(?:he){2,}|(?:rs){2,}|(?:hue){2,}|kk+[a-z]*k|lol|sksk\w*|asuh\w*)\b")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def squeeze_all(token: str) -> str:
    """Collapse every run of a repeated letter: ``massa`` -> ``masa``, ``amoo`` -> ``amo``."""
    return _RUN2_RE.sub(r"\1", token)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _transposes(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


class _Vocabulary:
    """Canonical spellings of the lexicon words and the forgiving look-ups onto them."""

    def __init__(self, words: set[str]) -> None:
        self.words = words
        self.by_squeezed: dict[str, str] = {}
        # "boom" -> "bom", never "bbom": prefer words already free of doubled letters, then shorter
        for word in sorted(words, key=lambda w: (squeeze_all(w) != w, len(w), w)):
            self.by_squeezed.setdefault(squeeze_all(word), word)
        # Typo index, only for longer words: a token that is the word with one letter missing,
        # or with two neighbouring letters swapped. Substitutions are not forgiven (``ainda``
        # must never become ``linda``).
        self.by_deletion: dict[str, str] = {}
        self.by_transposition: dict[str, str] = {}
        for word in sorted(words):
            if len(word) < 5 or word in lexicon.NO_FUZZY:
                continue
            for variant in _deletes(word):
                if variant not in words:
                    self.by_deletion.setdefault(variant, word)
            for variant in _transposes(word):
                if variant not in words:
                    self.by_transposition.setdefault(variant, word)

    @lru_cache(maxsize=65536)  # noqa: B019 - one module-level instance, lives as long as the process
    def canonical(self, token: str) -> str:
        if token in self.words or token.isdigit():
            return token
        slang = lexicon.SLANG.get(token)
        if slang is not None:
            return slang
        squeezed = squeeze_all(token)
        if squeezed in self.by_squeezed:
            return self.by_squeezed[squeezed]
        slang = lexicon.SLANG.get(squeezed)
        if slang is not None:
            return slang
        # Short tokens are too ambiguous to correct ("bota" is not "bosta", "cedo" not "credo").
        if len(token) >= 5:
            for candidate in (token, squeezed):
                if candidate in self.by_transposition:
                    return self.by_transposition[candidate]
                if candidate in self.by_deletion:
                    return self.by_deletion[candidate]
        return token


_VOCAB = _Vocabulary(lexicon.vocabulary())


@dataclass(frozen=True)
class Normalized:
    raw: str
    plain: str  # lower case, no accents, original punctuation and spacing
    canon: str  # canonical tokens joined by single spaces, padded with one space each side
    tokens: tuple[str, ...]
    upper_ratio: float
    n_letters: int
    questions: int
    exclamations: int
    laughter: bool
    spaced_letters: bool = False

    def has(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return pattern.search(self.canon)


def _pre_slang(text: str) -> str:
    """Rewrites that must happen before tokenising (they involve symbols)."""
    text = re.sub(r"\bde?\s*\+\+?", " demais ", text)
    text = re.sub(r"\+\+", " demais ", text)
    text = re.sub(r"(?<=\w)\+(?=\s|$)", " demais ", text)  # "bom+"
    text = text.replace("<3", " coracao ").replace("s2", " coracao ")
    text = re.sub(r"[\u2661\u2665\u2764\u2763\U0001F495-\U0001F49F\U0001F60D\U0001F970]", " coracao ", text)
    text = re.sub(r"\*-+\*|\*_+\*|\*o\*", " fofo ", text)
    # "q" / "vc" glued to punctuation etc. are handled by tokenisation; "'e" (typed for "é")
    text = re.sub(r"\s'e\s", " e ", text)
    return text


def normalize(texto: str) -> Normalized:
    raw = texto or ""
    letters = [ch for ch in raw if ch.isalpha()]
    n_letters = len(letters)
    upper = sum(1 for ch in letters if ch.isupper())
    plain = strip_accents(raw).lower()
    plain = plain.replace("\u00b4", "'").replace("`", "'")
    work = _pre_slang(plain)
    # "A W E S O M E", "P O L A N D": letters typed apart are one word
    spaced = _SPACED_RE.search(work)
    if spaced:
        work = _SPACED_RE.sub(lambda m: m.group(0).replace(" ", ""), work)
    work = _RUN3_RE.sub(r"\1", work)
    tokens: list[str] = []
    for token in _TOKEN_RE.findall(work):
        canon = _VOCAB.canonical(token)
        tokens.extend(canon.split())
    canon_text = " " + " ".join(tokens) + " "
    return Normalized(
        raw=raw,
        plain=plain,
        canon=canon_text,
        tokens=tuple(tokens),
        upper_ratio=(upper / n_letters) if n_letters else 0.0,
        n_letters=n_letters,
        questions=raw.count("?"),
        exclamations=raw.count("!"),
        laughter=bool(_LAUGH_RE.search(plain)),
        spaced_letters=bool(spaced),
    )
