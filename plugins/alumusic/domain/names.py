"""Names (artist, album, song, source, release title): one line of text.

A name is rendered into e-mail headers (the alert's subject), into the lines of e-mails,
summaries, the approval view and LLM prompts: a line break there breaks the header or fakes a
line ("Destaques", a made-up alert), so names with control characters or line/paragraph
separators are refused where they enter (``control_character``), and what was stored before is
drawn as one line (``one_line``).
"""

from __future__ import annotations

import re
import unicodedata

_BREAKING = {"Cc", "Zl", "Zp"}  # controls (CR, LF, TAB, ...), U+2028, U+2029
# Characters that draw nothing and that spammers and copy-paste leave inside words: soft hyphen,
# Mongolian vowel separator, zero-width space/joiners and marks, word joiner, BOM. "Anitta\u200b"
# would be a second artist in every chart; personal-data detection reads text without them too.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
# Blank to a reader although not whitespace to str.strip: Braille blank, Hangul fillers.
_FILLERS = {"\u2800", "\u115f", "\u1160", "\u3164", "\uffa0"}


def control_character(value: str) -> str | None:
    """The first character of ``value`` that may not sit inside a name, or None."""
    return next((ch for ch in value if unicodedata.category(ch) in _BREAKING), None)


def without_invisible(value: str) -> str:
    """``value`` without the characters that draw nothing (``INVISIBLE``)."""
    return INVISIBLE.sub("", value)


def has_visible(value: str) -> bool:
    """Whether ``value`` shows anything: a character that is not a control, format, separator,
    combining mark on nothing, or blank filler."""
    return any(ch not in _FILLERS and unicodedata.category(ch)[0] not in "CZM" for ch in value)


def one_line(value: str) -> str:
    """``value`` with every run of whitespace and control characters as one space, trimmed."""
    return " ".join("".join(" " if unicodedata.category(ch) in _BREAKING else ch for ch in value).split())


def refusal(campo: str, ch: str) -> str:
    """The pt-BR message for a name holding ``ch``."""
    return f"{campo} contém quebra de linha ou caractere de controle (U+{ord(ch):04X}); envie o nome numa linha só"
