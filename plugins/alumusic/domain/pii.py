"""Personal data (LGPD) in listeners' comments: detection as typed spans, and masking.

Listeners paste e-mail addresses, phone numbers, CPFs and links to their own profiles into
comments (self-promotion, "me chama no zap", pyramid-scheme spam). Everything downstream that
lets comment text leave the private area (weekly e-mails, LLM summaries, exports) must mask them.
This module is pure, offline and fast (stdlib ``re`` only, patterns compiled once): ingest stores
``detect(text)`` as spans next to the comment, never altering the raw text, and any outgoing path
calls ``mask(text, spans)``.

API
---
- ``Span(kind, start, end)``: frozen dataclass; ``start``/``end`` are offsets into the text as
  Python indexes it (Unicode code points, end exclusive; the same unit as PostgreSQL ``substr`` on
  UTF-8 text, *not* JavaScript's UTF-16 units). ``span.to_json()`` ->
  ``{"tipo": ..., "inicio": ..., "fim": ...}``, ``Span.from_json(obj)`` back (validated).
  ``spans_to_json(spans)`` / ``spans_from_json(list_or_json_string)`` do a whole list, the form
  stored on the comment.
- ``KINDS``: the stable kind codes, ``email``, ``telefone``, ``cpf``, ``cnpj``, ``url_pessoal``
  (also as the constants ``EMAIL``, ``TELEFONE``, ``CPF``, ``CNPJ``, ``URL_PESSOAL``).
- ``KIND_LABELS``: read-only mapping kind -> pt-BR mask label (``[e-mail]``, ``[telefone]``,
  ``[CPF]``, ``[CNPJ]``, ``[link pessoal]``).
- ``detect(text) -> list[Span]``: sorted by ``start``, never overlapping.
- ``mask(text, spans=None) -> str``: each span replaced by its kind's label (``spans=None``: detect
  first; spans in any order). Spans that overlap or fall outside the text raise ``ValueError``
  (and a ``Span`` of an unknown kind cannot be built): stored spans that do not fit the text mean
  the text changed, and silently masking the wrong characters could let personal data through.
- ``is_valid_cpf(digits)`` / ``is_valid_cnpj(chars)``: the check-digit (mod 11) validations;
  ``DDDS``: Brazil's area codes.

Rules
-----
Everything is shape plus validation; nothing depends on the words around a match except the weak
phone forms below. A match must stand alone: no letter or digit glued on either side, and no
``1.``/``1,`` before or ``.1``/``,1`` after (so nothing is cut out of a longer number, a price or
a count).

- ``email``: ``local@domain.tld`` (subdomains, ``+tags``, any case, accented local parts). Also
  the obfuscations seen in real comments, each constrained so it cannot fire on ordinary text:
  spaces around ``@`` or the dots (``nome @ gmail.com``, ``nome@gmail . com``) only with a known
  TLD or a known mail provider; a known provider with its dot or TLD missing (``nome@gmail com``,
  ``nome@hotmail``); ``(arroba)``/``[at]``/`` arroba `` with ``ponto``/``dot``/``.`` and a known
  TLD (``nome (arroba) hotmail (ponto) com``); a bare English `` at `` only with a known provider
  (``nome at gmail dot com``); letters spaced out one by one (``n o m e @ g m a i l . c o m``).
  A file name such as ``capa@2x.png`` is not an address.
- ``telefone``: Brazilian numbers with a *valid* DDD (the 67 area codes in ``DDDS``) and a
  subscriber number of 9 digits starting with 9 (mobile) or 8 digits starting with 2-9 (landline,
  and the 8-digit mobiles of before 2016): ``(11) 98765-4321``, ``11 98765-4321``,
  ``11987654321``, ``+55 (21) 3456-7890``, ``(011) 3456-7890``, ``(0xx11) ...``, ``5511987654321``.
  Without a DDD: ``98765-4321`` and ``3456-7890`` (unless it looks like a year range
  ``2005-2010`` or a round range ``2000-3000``); so in ``(20) 98765-4321`` (no such DDD) only the
  number after it is a phone. Service numbers ``0800 123 4567`` (also
  0300/0500/0900). International numbers need a ``+`` and 8-15 digits: ``+1 415 555 2671``,
  ``+351 912 345 678``. *Weak* forms, accepted only right after a phone word (``tel``, ``fone``,
  ``cel``, ``whats``, ``zap``, ``liga``, ``contato``, ``tim``, ``vivo``...) or right after another
  phone (``tel 3456-7890 / 87654321``): bare 8 digits, bare 9 digits starting with 9, bare DDD +
  8 digits (10 digits: an ISBN-10 like ``8535902775`` has this shape too). Numbers made of one
  repeated digit, or ending in six zeros, are never phones.
- ``cpf``: ``123.456.789-09``, ``123456789-09`` or 11 bare digits, only with valid check digits
  and not one repeated digit (``111.111.111-11``). Also the groups 3-3-3-2 with other separators
  (``123.456.789 09``, ``123-456-789-09``, ``123 456 789-09``), not inside a longer run of groups
  (``1 123 456 789 09``, ``123 456 789 09 12``); with spaces only (``123 456 789 09``, a list of
  numbers as much as a CPF) only right after the word ``CPF`` (``cpf: 123 456 789 09``).
- ``cnpj``: ``12.345.678/0001-95`` or 14 bare digits, only with valid check digits (the formatted
  form also accepts the alphanumeric CNPJ of 2026, ``12.ABC.345/01DE-35``).
- ``url_pessoal``: links whose path (or subdomain) names an account, with or without scheme/www:
  instagram.com/<user>, twitter.com|x.com/<user>, facebook.com/<user> (and ``profile.php?id=``),
  tiktok.com/@<user>, kwai.com/@<user>, threads.net/@<user>, youtube.com/@<user>, /channel/UC...,
  /c/<name>, /user/<name> (and a bare ``channel/UC<22 chars>``), wa.me/<number>,
  api.whatsapp.com/send?phone=, t.me|telegram.me/<user>, linktr.ee/<user>, soundcloud.com/<user>,
  open.spotify.com/user/<id>, twitch.tv/<user>, snapchat.com/add/<user>, pinterest.com/<user>,
  vimeo.com/<user>, myspace.com/<user>, last.fm/user/<user>, palcomp3.com(.br)/<artist>,
  suamusica.com.br/<user>, and <name>.blogspot|wordpress|tumblr|bandcamp.com. The span covers the
  whole link (the rest of its path too). Not personal: links to a post/video/search/group
  (instagram.com/p/..., youtube.com/watch?v=..., youtu.be/..., facebook.com/groups/...,
  t.me/joinchat/...), a site's home page, share links. Whose account it is cannot be told: an
  artist's profile link is flagged as well.
- ``@mentions`` are **not** personal data here: in music comments ``@anitta`` overwhelmingly names
  an artist or replies to another public comment; masking them would gut the text for no gain.
- Text is matched after folding what spammers use to dodge filters: invisible characters (soft
  hyphen, zero-width space/joiners, BOM) are dropped (``nome@gmail.co\\u00adm``); fullwidth,
  halfwidth, small and font variants become their NFKC form (``nome＠gmail.com`` with U+FF20,
  ``nome﹫gmail.com`` with U+FE6B, ``ｎｏｍｅ@ｇｍａｉｌ．ｃｏｍ``, math bold letters, ``(11) ９８７６５-４３２１``);
  the ideographic full stop ``。`` (U+3002, and U+FF61) reads as ``.`` (``nome@gmail。com``); any
  other decimal digit (Arabic-Indic...) as its ASCII digit, so a DDD in such digits is checked like
  any other (check digits always were: ``\\d`` and ``int`` take any decimal digit). Other
  compatibility forms are left alone: superscripts, circled digits, ordinals (``nº`` stays a phone
  word), ligatures. Every rule above applies to the folded text exactly as to plain text; spans are
  mapped back to the raw text (code points) and cover the raw characters. ASCII text skips this.

Precedence
----------
Candidates of every kind are collected, then the longest wins (an e-mail or link swallows the
phone inside it); between equally long ones: ``url_pessoal`` > ``email`` > ``cnpj`` > ``cpf`` >
``telefone``. So 11 bare digits that pass the CPF check are a CPF even if they also look like a
mobile (``DD9XXXXXXXX``): the check digits are positive evidence, the phone shape is not (and both
are masked anyway). Exception: right after a phone word (``whats 11987654321``) they are a phone.

Speed: the regexes never scan the whole text. Cheap searches find where something could be (runs
of digits and number punctuation with 8+ digits, each ``@``, ``arroba``/``at``, the hosts' TLDs)
and the patterns run only there: about 0.3 ms for a typical 5,000-character comment, ~30 µs more
per item found, and linear on hostile input. Folding costs two fast character-class scans of a
non-ASCII text, and a ``str.translate`` only when a foldable character is present (an offset map
only when one is dropped or expands).

Not covered (yet): numbers written out in words, digits spread with spaces (``9 8 7 6 5...``),
obfuscated links (``w w w . site . com / user``), referral links of spam sites, Skype ids, street
addresses, CEPs, names, RG and other documents.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from alumusic.domain import names

EMAIL = "email"
TELEFONE = "telefone"
CPF = "cpf"
CNPJ = "cnpj"
URL_PESSOAL = "url_pessoal"
KINDS: tuple[str, ...] = (EMAIL, TELEFONE, CPF, CNPJ, URL_PESSOAL)

KIND_LABELS: Mapping[str, str] = MappingProxyType({
    EMAIL: "[e-mail]",
    TELEFONE: "[telefone]",
    CPF: "[CPF]",
    CNPJ: "[CNPJ]",
    URL_PESSOAL: "[link pessoal]",
})

# Tie-break between equally long candidates (lower wins).
_PRIORITY = {URL_PESSOAL: 0, EMAIL: 1, CNPJ: 2, CPF: 3, TELEFONE: 4}

# Brazil's area codes (DDD) in use (Anatel).
DDDS: frozenset[str] = frozenset(
    "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 "
    "51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 "
    "91 92 93 94 95 96 97 98 99".split()
)


@dataclass(frozen=True)
class Span:
    """One piece of personal data: ``text[start:end]`` is of ``kind`` (one of ``KINDS``)."""

    kind: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.kind not in _PRIORITY:
            raise ValueError(f"unknown personal-data kind: {self.kind!r}")
        # bool is an int subclass; a stored true/false is corrupt data, not an offset.
        if any(not isinstance(v, int) or isinstance(v, bool) for v in (self.start, self.end)):
            raise ValueError("span offsets must be integers")
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid span offsets: {self.start}..{self.end}")

    def to_json(self) -> dict[str, Any]:
        return {"tipo": self.kind, "inicio": self.start, "fim": self.end}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Span:
        try:
            return cls(data["tipo"], data["inicio"], data["fim"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a stored span: {data!r}") from exc


def spans_to_json(spans: Iterable[Span]) -> list[dict[str, Any]]:
    """The list stored on a comment (JSON-ready)."""
    return [span.to_json() for span in spans]


def spans_from_json(data: str | bytes | Iterable[Mapping[str, Any]]) -> list[Span]:
    """Spans back from ``spans_to_json``'s list, or from its JSON text."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    return [Span.from_json(item) for item in data]


# --- check digits -------------------------------------------------------------------------------

def _mod11(values: list[int], weights: Iterable[int]) -> int:
    rest = sum(v * w for v, w in zip(values, weights, strict=False)) % 11
    return 0 if rest < 2 else 11 - rest


def is_valid_cpf(digits: str) -> bool:
    """CPF check digits (mod 11, weights 10..2 then 11..2); 11 digits, not all the same."""
    if len(digits) != 11 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    values = [int(c) for c in digits]
    return (_mod11(values[:9], range(10, 1, -1)) == values[9]
            and _mod11(values[:10], range(11, 1, -1)) == values[10])


_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, *_CNPJ_W1)


def is_valid_cnpj(chars: str) -> bool:
    """CNPJ check digits (mod 11, weights 5..2,9..2 then 6..2,9..2) on 14 characters.

    The first 12 may be ``0-9A-Z`` (alphanumeric CNPJ, valued ``ord(c) - 48``); the two check
    characters are digits. One repeated character is rejected.
    """
    if len(chars) != 14 or not chars[12:].isdigit() or len(set(chars)) == 1:
        return False
    if not all("0" <= c <= "9" or "A" <= c <= "Z" for c in chars[:12]):
        return False
    values = [ord(c) - 48 for c in chars]
    return _mod11(values[:12], _CNPJ_W1) == values[12] and _mod11(values[:13], _CNPJ_W2) == values[13]


# --- shared pattern pieces ----------------------------------------------------------------------

_INVISIBLE = names.INVISIBLE
_SP = r"[ \t\u00a0]"  # one horizontal space (not a line break)

# A number stands alone: nothing word-like glued on the left, no "1." / "1," (a longer number).
_NUM_LEFT = r"(?<![\w/@+#*$%])(?<!\d[.,])"
# ... and on the right: no word character, no ".5" / ",5" (decimal or thousands), no "/x".
_NUM_RIGHT = r"(?![\w@/%]|[.,]\d)"
_NUM_RIGHT_STRICT = r"(?![\w@/%]|[.,\-]\d)"  # documents: no chaining with hyphens either


Window = tuple[int, int]


def _merge(windows: Iterable[Window], size: int, gap: int = 24) -> list[Window]:
    """Sorted, clipped to ``0..size``, and merged where less than ``gap`` apart (one regex call
    over a few more characters costs less than two calls)."""
    merged: list[Window] = []
    for start, end in sorted(windows):
        start, end = max(0, start), min(size, end)
        if merged and start <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _finditer(rx: re.Pattern[str], text: str, windows: list[Window]) -> Iterator[re.Match[str]]:
    # Look-behinds still see the text before a window; look-aheads stop at its end, so windows
    # reach a little past the characters a match can be made of.
    for start, end in windows:
        yield from rx.finditer(text, start, end)


# Numbers are only looked for around runs of digits and number punctuation holding 8+ digits (the
# shortest phone); regexes over the whole text would cost far more than the rare hits.
_NUM_CHUNK_RE = re.compile(r"[\d(+][\d().\-/+xX \t\u00a0]{7,}")
_ALNUM_CNPJ_HINT_RE = re.compile(r"/[0-9A-Z]{4}-\d\d")


# Whole runs that are plainly a count, a date or a range of years ("12.345.678", "25/12/2023").
_COUNT_OR_DATE_RE = re.compile(
    r"\d{1,3}(?:[.,]\d{3})+(?:,\d\d)?|\d{1,4}([/.-])\d{1,2}\1\d{1,4}|(?:19|20)\d\d ?- ?(?:19|20)\d\d"
)
_CHUNK_EDGES = " \t\u00a0(.-/+"


def _number_windows(text: str) -> list[Window]:
    windows = [(m.start(), m.end() + 2) for m in _NUM_CHUNK_RE.finditer(text)
               if sum(map(str.isdigit, m.group())) >= 8
               and not _COUNT_OR_DATE_RE.fullmatch(m.group().strip(_CHUNK_EDGES))]
    windows += [(m.start() - 11, m.end() + 2) for m in _ALNUM_CNPJ_HINT_RE.finditer(text)]
    return _merge(windows, len(text))

# --- CPF / CNPJ ---------------------------------------------------------------------------------

_CPF_SEP = r"[.\- \t\u00a0]"
_CPF_RE = re.compile(
    rf"{_NUM_LEFT}(?:\d{{3}}\.\d{{3}}\.\d{{3}}-\d{{2}}|\d{{9}}-\d{{2}}|(?P<bare>\d{{11}})"
    # 3-3-3-2 with other separators ("123 456 789 09", "123.456.789 09", "123-456-789-09"): not the
    # tail or the head of a longer run of groups ("1 123 456 789 09", "... 09 12")
    rf"|(?<!\d{_SP})(?<!\d-)(?P<sep>\d{{3}}{_CPF_SEP}\d{{3}}{_CPF_SEP}\d{{3}}{_CPF_SEP}\d{{2}})(?!{_SP}\d))"
    rf"{_NUM_RIGHT_STRICT}"
)
# Groups separated by spaces only are also a list of numbers: a CPF only right after the word.
_CPF_WORD_BEFORE_RE = re.compile(
    r"\bc\.?p\.?f\b\.?(?:\W{0,3}(?:é|eh|e|n[º°o]\.?|do|da|:))?\W{0,3}$", re.IGNORECASE
)
_CNPJ_RE = re.compile(
    rf"{_NUM_LEFT}(?:[0-9A-Z]{{2}}\.[0-9A-Z]{{3}}\.[0-9A-Z]{{3}}/[0-9A-Z]{{4}}-\d{{2}}|\d{{14}}){_NUM_RIGHT_STRICT}"
)

# --- phones -------------------------------------------------------------------------------------

_BR_PHONE_RE = re.compile(
    _NUM_LEFT
    # +55, or a bare 55 when a DDD (and a mobile, if glued) clearly follows: "55 11 9...", "5511987654321"
    + rf"(?P<cc>\+{_SP}?55{_SP}?[.-]?{_SP}?|55(?:{_SP}|[.-])(?=\(|\d\d(?:{_SP}|[.-]))|55(?=\d\d9\d{{8}}(?!\d)))?"
    + "(?:"
    + rf"\({_SP}?(?:0?xx|0)?{_SP}?(?P<ddd_p>\d{{2}}){_SP}?\){_SP}?[.-]?{_SP}?"  # (11) (011) (0xx11)
    + rf"|(?:0?xx|0)?(?P<ddd_s>\d{{2}})(?:{_SP}{{1,2}}|{_SP}?[.-]{_SP}?)"  # 11 / 011- / 0xx11 .
    + r"|0?(?P<ddd_b>\d{2})"  # glued (a trunk 0 allowed)
    + ")"
    + rf"(?P<sub>9{_SP}?\d{{4}}{_SP}?[.-]?{_SP}?\d{{4}}|[2-9]\d{{3}}{_SP}?[.-]?{_SP}?\d{{4}})"
    + _NUM_RIGHT,
    re.IGNORECASE,
)
_LOCAL_PHONE_RE = re.compile(
    rf"{_NUM_LEFT}(?P<sub>9\d{{4}}-\d{{4}}|[2-9]\d{{3}}-\d{{4}}|(?P<bare>9\d{{8}}|[2-9]\d{{7}})){_NUM_RIGHT}"
)
_SERVICE_PHONE_RE = re.compile(rf"{_NUM_LEFT}0[3589]00{_SP}?[.-]?{_SP}?\d{{3}}{_SP}?[.-]?{_SP}?\d{{4}}{_NUM_RIGHT}")
_INTL_PHONE_RE = re.compile(
    r"(?<![\w+])\+(?!55)(?:[1-9]\d{7,14}"  # E.164 glued
    rf"|[1-9]\d{{0,2}}(?:{_SP}?[.-]?{_SP}?\(\d{{1,4}}\))?(?:(?:{_SP}|{_SP}?[.-]{_SP}?)\d{{2,5}}){{1,5}})"
    + _NUM_RIGHT
)
_YEAR_RANGE_RE = re.compile(r"(?:19|20)\d\d-(?:19|20)\d\d|\d\d00-\d\d00")
_PHONE_WORD_BEFORE_RE = re.compile(
    r"(?:\b(?:tel|tels|telefone|telefones|fone|fones|cel|cels|celular|celulares|whats|whatsapp|whatsap|"
    r"wats|watts|wpp|zap|zapzap|contato|contatos|liga|ligue|ligar|ligação|ligacao|n[uú]mero|n[º°]|fixo|"
    r"tim|vivo|claro|oi|nextel|fax|ramal|sms)(?:-me)?)"
    r"\W{0,4}(?:(?:é|eh|e|do|da|meu|:)\W{1,3})?$",
    re.IGNORECASE,
)
_PHONE_LIST_GAP_RE = re.compile(rf"{_SP}*(?:[/,;|-]|ou|e)?{_SP}*")


def _plausible_number(digits: str) -> bool:
    return len(set(digits)) > 1 and not digits.endswith("000000")


def _phone_word_before(text: str, start: int) -> bool:
    return _PHONE_WORD_BEFORE_RE.search(text, max(0, start - 30), start) is not None


def _phones(text: str, windows: list[Window]) -> Iterator[Window]:
    strong: list[Window] = []
    weak: list[Window] = []
    for m in _finditer(_BR_PHONE_RE, text, windows):
        ddd = m["ddd_p"] or m["ddd_s"] or m["ddd_b"]
        sub_digits = re.sub(r"\D", "", m["sub"])
        if ddd not in DDDS or not _plausible_number(sub_digits):
            continue
        if not (m["cc"] or m["ddd_p"]) and _YEAR_RANGE_RE.fullmatch(m["sub"]):
            continue
        glued = m["ddd_b"] is not None and not m["cc"] and sub_digits == m["sub"]
        # Bare DDD + 8 digits (10, or 11 with a trunk 0) is also an ISBN-10, a count...: weak.
        (weak if glued and len(sub_digits) == 8 else strong).append(m.span())
    for m in _finditer(_LOCAL_PHONE_RE, text, windows):
        digits = m["sub"].replace("-", "")
        if not _plausible_number(digits) or _YEAR_RANGE_RE.fullmatch(m["sub"]):
            continue
        (weak if m["bare"] else strong).append(m.span())
    for m in _finditer(_SERVICE_PHONE_RE, text, windows):
        strong.append(m.span())
    for m in _finditer(_INTL_PHONE_RE, text, windows):
        digits = re.sub(r"\D", "", m.group())
        if 8 <= len(digits) <= 15 and _plausible_number(digits):
            strong.append(m.span())
    yield from strong
    if not weak:
        return
    ends = sorted(end for _, end in strong)
    for start, end in sorted(weak):
        i = bisect.bisect_right(ends, start)
        after_phone = i > 0 and _PHONE_LIST_GAP_RE.fullmatch(text, ends[i - 1], start) is not None
        if after_phone or _phone_word_before(text, start):
            yield start, end
            bisect.insort(ends, end)


def _documents(text: str, windows: list[Window]) -> Iterator[tuple[str, int, int]]:
    for m in _finditer(_CNPJ_RE, text, windows):
        if is_valid_cnpj(re.sub(r"[./-]", "", m.group())):
            yield CNPJ, m.start(), m.end()
    for m in _finditer(_CPF_RE, text, windows):
        digits = re.sub(r"\D", "", m.group())
        if not is_valid_cpf(digits):
            continue
        if m["bare"] and digits[:2] in DDDS and digits[2] == "9" and _phone_word_before(text, m.start()):
            continue  # "whats 11987654321": the phone reading wins (the phone detector has it)
        if (m["sep"] and not any(c in ".-" for c in m["sep"])
                and not _CPF_WORD_BEFORE_RE.search(text, max(0, m.start() - 20), m.start())):
            continue  # "123 456 789 09" alone: a list of numbers as much as a CPF
        yield CPF, m.start(), m.end()


# --- e-mails ------------------------------------------------------------------------------------

_LOCAL = r"[\w%+\-]+(?:\.[\w%+\-]+)*"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
_TLDS = (r"(?:com|net|org|edu|gov|mil|info|biz|br|pt|io|me|co|us|uk|de|fr|es|it|ar|mx|cl|uy|py|pe|"
         r"jp|ca|au|eu|online|site|tv|app|dev)")
_PROVIDERS = (r"(?:gmail|googlemail|hotmail|outlook|live|msn|yahoo|ymail|bol|uol|terra|ig|icloud|globo|"
              r"globomail|r7|zipmail|oi|aol|protonmail|proton|gmx|yandex|mail|email|superig|pop|ibest)")
_EMAIL_LEFT = r"(?<![\w.%+\-@])"

_EMAIL_RE = re.compile(rf"{_EMAIL_LEFT}{_LOCAL}@(?:{_LABEL}\.)+[a-z]{{2,24}}(?![\w\-])", re.IGNORECASE)
# A known provider glued to "@" whose dot or TLD went missing: "nome@gmail com", "nome@hotmail".
_EMAIL_PROVIDER_RE = re.compile(
    rf"{_EMAIL_LEFT}{_LOCAL}@{_PROVIDERS}(?:{_SP}{{0,2}}[.,]?{_SP}{{0,2}}(?:com|net)(?:{_SP}{{0,2}}\.{_SP}{{0,2}}br)?)?"
    r"(?![\w\-])",
    re.IGNORECASE,
)
# Spaces around "@" or the dots: a known TLD is required ("nome @ gmail.com", "nome@ gmail . com").
_EMAIL_SPACES_RE = re.compile(
    rf"{_EMAIL_LEFT}{_LOCAL}{_SP}{{0,2}}@{_SP}{{0,2}}"
    rf"(?:{_PROVIDERS}{_SP}{{0,2}}[.,]?{_SP}{{0,2}}(?:com|net)(?:{_SP}{{0,2}}\.{_SP}{{0,2}}br)?"
    rf"|(?:{_LABEL}{_SP}?\.{_SP}?)+{_TLDS}(?:{_SP}?\.{_SP}?[a-z]{{2}})?)"
    r"(?![\w\-])",
    re.IGNORECASE,
)
_AT_WORD = rf"(?:{_SP}{{0,2}}[(\[{{<]{_SP}?(?P<at_b>arroba|at){_SP}?[)\]}}>]{_SP}{{0,2}}|{_SP}{{1,2}}(?P<at_w>arroba|at){_SP}{{1,2}})"
_DOT_WORD = rf"(?:{_SP}{{0,2}}[(\[{{<]{_SP}?(?:ponto|dot){_SP}?[)\]}}>]{_SP}{{0,2}}|{_SP}{{1,2}}(?:ponto|dot){_SP}{{1,2}}|{_SP}?\.{_SP}?)"
_EMAIL_WORDS_RE = re.compile(
    rf"{_EMAIL_LEFT}{_LOCAL}{_AT_WORD}(?P<dom>{_LABEL})(?P<tail>(?:{_DOT_WORD}{_TLDS}){{1,2}})(?![\w\-])",
    re.IGNORECASE,
)
_PROVIDER_FULL_RE = re.compile(_PROVIDERS, re.IGNORECASE)
_DOT_NOT_PLAIN_RE = re.compile(r"ponto|dot|[(\[{<]", re.IGNORECASE)
# "n o m e @ g m a i l . c o m": one character at a time.
_EMAIL_SPACED_RE = re.compile(
    rf"(?<![\w.+\-])(?P<local>(?:[\w.+\-]{_SP}{{1,2}}){{2,64}}[\w.+\-]?){_SP}{{0,2}}@"
    rf"(?P<dom>{_SP}{{0,2}}[a-z0-9.\-](?:{_SP}{{1,2}}[a-z0-9.\-]){{3,120}})(?![\w.\-])",
    re.IGNORECASE,
)
# Squeezed, every position is a token boundary: the domain ends with its known TLD, whatever follows.
_SPACED_DOMAIN_RE = re.compile(rf"(?:{_LABEL}\.)+{_TLDS}(?:\.[a-z]{{2}}(?![a-z0-9]))?", re.IGNORECASE)
_LOCAL_FULL_RE = re.compile(_LOCAL)
_LOCAL_CHARS = frozenset("_%+.-")
_FILE_EXTENSIONS = frozenset("png jpg jpeg gif webp svg mp3 mp4 wav ogg m4a flac avi mkv mov pdf txt doc docx exe zip "
                             "rar js css html php".split())  # "capa@2x.png" is a file name
_LOCAL_BEFORE_AT_RE = re.compile(rf"[\w%+.\-]{{1,64}}{_SP}{{0,2}}@$")  # searched up to just after an "@"
_SPACED_BEFORE_AT_RE = re.compile(rf"(?<!\S)[\w.+\-]{_SP}{{0,2}}$")  # "... 2 3 @": one character before
_AT_WORDS = ("arroba", "at")


def _find_all(haystack: str, needle: str) -> Iterator[int]:
    i = haystack.find(needle)
    while i >= 0:
        yield i
        i = haystack.find(needle, i + 1)


def _emails(text: str, low: str) -> Iterator[Window]:
    # At each "@": from the start of the local part before it (up to 64 characters and two spaces);
    # for an address spelled out letter by letter, in a window around it.
    ats = list(_find_all(text, "@"))
    for i in ats:
        before = text[max(0, i - 3):i].rstrip(" \t\u00a0")
        if not before or before[-1] not in _LOCAL_CHARS and not before[-1].isalnum():
            continue  # "@anitta", "(@": no local part
        local = _LOCAL_BEFORE_AT_RE.search(text, max(0, i - 70), i + 1)
        if local:  # the local part ending at this "@" starts there: match right at its start
            for rx in (_EMAIL_RE, _EMAIL_PROVIDER_RE, _EMAIL_SPACES_RE):
                m = rx.match(text, local.start(), i + 300)
                if m and m.group().rpartition(".")[2].lower() not in _FILE_EXTENSIONS:
                    yield m.span()
    spaced = _merge(((i - 200, i + 300) for i in ats if _SPACED_BEFORE_AT_RE.search(text, max(0, i - 4), i)),
                    len(text))
    for m in _finditer(_EMAIL_SPACED_RE, text, spaced):
        span = _spaced_email(m)
        if span:
            yield span
    word_windows = _merge(((i - 100, i + 160) for word in _AT_WORDS for i in _find_all(low, word)
                           if not low[i - 1:i].isalnum() and not low[i + len(word):i + len(word) + 1].isalnum()),
                          len(text))
    for m in _finditer(_EMAIL_WORDS_RE, text, word_windows):
        if m["at_w"] and m["at_w"].lower() == "at":
            # bare English " at ": only "<x> at <provider> dot com"
            if not _PROVIDER_FULL_RE.fullmatch(m["dom"]) or not _DOT_NOT_PLAIN_RE.search(m["tail"]):
                continue
        yield m.span()


def _spaced_email(m: re.Match[str]) -> tuple[int, int] | None:
    local = re.sub(r"\s", "", m["local"])
    if not _LOCAL_FULL_RE.fullmatch(local):
        return None
    dom_start = m.start("dom")
    positions = [dom_start + i for i, c in enumerate(m["dom"]) if not c.isspace()]
    squeezed = "".join(c for c in m["dom"] if not c.isspace())
    d = _SPACED_DOMAIN_RE.match(squeezed)
    if not d:
        return None
    return m.start(), positions[d.end() - 1] + 1


# --- personal links -----------------------------------------------------------------------------

_URL_LEFT = r"(?<![\w@.\-/])"
_URL_HEAD = r"(?:https?://)?(?:(?:www|m|mobile|web|mbasic|touch|pt-br|pt-pt|br|pt|en|es|open|api)\.)?"
_URL_REST = r"(?P<path>/[^\s<>\"'`]*)?"
_URL_RE = re.compile(
    rf"{_URL_LEFT}{_URL_HEAD}"
    r"(?P<host>instagram\.com|instagr\.am|twitter\.com|x\.com|facebook\.com(?:\.br)?|fb\.com|tiktok\.com|"
    r"kwai\.com|threads\.net|youtube\.com|wa\.me|whatsapp\.com|t\.me|telegram\.me|linktr\.ee|soundcloud\.com|"
    r"spotify\.com|twitch\.tv|snapchat\.com|pinterest\.com(?:\.br)?|vimeo\.com|myspace\.com|last\.fm|"
    r"palcomp3\.com(?:\.br)?|suamusica\.com\.br)"
    rf"(?![\w\-.]*[\w\-]){_URL_REST}",
    re.IGNORECASE,
)
_HOSTED_RE = re.compile(
    rf"{_URL_LEFT}(?:https?://)?(?:www\.)?(?P<sub>[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?)\."
    rf"(?:blogspot|wordpress|tumblr|bandcamp)\.com(?:\.br)?(?![\w\-.]*[\w\-]){_URL_REST}",
    re.IGNORECASE,
)
_YT_CHANNEL_RE = re.compile(r"(?<![\w@.\-/])channel/UC[\w\-]{22}(?![\w\-])")
_TRAILING = ".,;:!?)]}'\"*…"


def _segment(rx: str, reserved: frozenset[str] = frozenset()) -> tuple[re.Pattern[str], frozenset[str]]:
    """A path rule: ``rx`` must match at the path start (group ``h``: the handle, checked against ``reserved``)."""
    return re.compile(rf"/{rx}(?![\w\-])", re.IGNORECASE), reserved


_FACEBOOK_RESERVED = frozenset(
    "sharer sharer.php share share.php dialog plugins watch events groups hashtag help login login.php home.php "
    "policies policy.php privacy legal photo.php photos video.php videos story.php permalink.php l.php business ads "
    "gaming marketplace settings notifications messages bookmarks search about careers terms reel reels live media "
    "tr ajax connect recover checkpoint r.php reg campaign find-friends friends pages_manager fundraisers "
    "donate games profile profile.php".split()
)
_PATH_RULES: dict[str, tuple[tuple[re.Pattern[str], frozenset[str]], ...]] = {
    "instagram.com": (_segment(
        r"@?(?P<h>[a-z0-9._]{1,30})",
        frozenset("p reel reels tv explore accounts about developer legal direct web emails challenge session ar s "
                  "stories".split())),),
    "twitter.com": (_segment(
        r"(?:#!/)?@?(?P<h>\w{1,15})",
        frozenset("home search hashtag i intent share explore settings login signup tos privacy notifications "
                  "messages compose logout account download about jobs en pt rules widgets".split())),),
    "facebook.com": (_segment(r"(?P<h>profile\.php)\?(?:[^#\s]*&)?id=\d+"),
                     _segment(r"(?P<h>[\w.\-]{2,80})", _FACEBOOK_RESERVED),
                     _segment(r"(?P<h>people)/[^/\s]+/\d+")),
    "tiktok.com": (_segment(r"@(?P<h>[\w.]{2,24})"),),
    "kwai.com": (_segment(r"@(?P<h>[\w.]{2,30})"),),
    "threads.net": (_segment(r"@(?P<h>[\w.]{1,30})"),),
    "youtube.com": (_segment(r"(?P<h>@[\w.\-]{3,30})"),
                    _segment(r"channel/(?P<h>UC[\w\-]{22})"),
                    _segment(r"(?:c|user)/(?P<h>[\w.\-%]{1,100})")),
    "wa.me": (_segment(r"\+?(?P<h>\d{8,15})"), _segment(r"message/(?P<h>\w{6,})")),
    "whatsapp.com": (_segment(r"(?P<h>send)/?\?(?:[^#\s]*&)?phone=\+?\d{8,15}"),),
    "t.me": (_segment(
        r"(?P<h>[a-z]\w{3,31})",
        frozenset("joinchat share addstickers addemoji proxy socks iv setlanguage addtheme login".split())),),
    "linktr.ee": (_segment(r"(?P<h>[\w.]{2,50})"),),
    "soundcloud.com": (_segment(
        r"(?P<h>[\w\-]{2,50})",
        frozenset("discover search stream upload you charts pages mobile terms-of-use settings messages "
                  "notifications people tracks explore signin signup jobs imprint popular premium pro go "
                  "artists for legal".split())),),
    "spotify.com": (_segment(r"user/(?P<h>[\w.\-]+)"),),
    "twitch.tv": (_segment(
        r"(?P<h>\w{3,25})",
        frozenset("videos directory downloads jobs settings subscriptions inventory search turbo prime store "
                  "drops wallet friends messages".split())),),
    "snapchat.com": (_segment(r"add/(?P<h>[\w.\-]{2,30})"),),
    "pinterest.com": (_segment(
        r"(?P<h>\w{3,30})",
        frozenset("pin search ideas today explore business settings login about categories topics "
                  "videos".split())),),
    "vimeo.com": (_segment(
        r"(?P<h>[a-z][\w\-]{2,60})",
        frozenset("channels groups ondemand showcase album categories watch search blog upload settings join "
                  "log_in features help about stock create live solutions enterprise".split())),),
    "myspace.com": (_segment(
        r"(?P<h>[\w.\-]{2,60})",
        frozenset("music search discover signin signup pro video videos help".split())),),
    "last.fm": (_segment(r"user/(?P<h>[\w.\-]{2,15})"),),
    "palcomp3.com": (_segment(
        r"(?P<h>[\w\-]{2,80})",
        frozenset("busca generos genero blog faq ajuda sobre termos privacidade login cadastro top "
                  "playlists".split())),),
    "suamusica.com.br": (_segment(
        r"(?P<h>[\w\-]{2,80})",
        frozenset("busca generos blog ajuda sobre termos login cadastro top playlists".split())),),
}
_HOST_ALIASES = {"instagr.am": "instagram.com", "x.com": "twitter.com", "fb.com": "facebook.com",
                 "facebook.com.br": "facebook.com", "telegram.me": "t.me", "pinterest.com.br": "pinterest.com",
                 "palcomp3.com.br": "palcomp3.com"}
_HOSTED_RESERVED = frozenset("www m api help support en pt br static s assets get daily blog".split())


def _trim_url(text: str, m: re.Match[str]) -> int:
    """End of the link matched by ``m`` without trailing punctuation (a ``)`` stays if balanced)."""
    start, end = m.span()
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def _names_account(host: str, path: str) -> bool:
    for rule, reserved in _PATH_RULES[_HOST_ALIASES.get(host, host)]:
        h = rule.match(path)
        if h and h["h"].lower() not in reserved:
            return True
    return False


# Every host above ends in one of these; links are looked for only around them.
_URL_HINT_RE = re.compile(r"\.(?:com|am|me|ee|tv|fm|net)(?![a-z])|channel/")
_HOSTED_NAMES = ("blogspot", "wordpress", "tumblr", "bandcamp")
_SPACE_RE = re.compile(r"\s")


def _url_windows(text: str, low: str) -> tuple[list[Window], list[Window]]:
    """Windows for account links (host, scheme and "www." before the hint, path up to the next
    space) and for blogs (a subdomain of up to 63 characters before)."""
    links: list[Window] = []
    blogs: list[Window] = []
    space = -1  # the first space after the current hint (searched once per run of hints)
    for hint in _URL_HINT_RE.finditer(low):
        i = hint.start()
        if space < i:
            found = _SPACE_RE.search(text, i)
            space = found.start() if found else len(text)
        if low.endswith(_HOSTED_NAMES, max(0, i - 9), i):
            blogs.append((i - 90, space + 1))
        elif "/" in text[i:space]:
            links.append((i - 32, space + 1))
    return _merge(links, len(text)), _merge(blogs, len(text))


def _urls(text: str, low: str) -> Iterator[Window]:
    links, blogs = _url_windows(text, low)
    for m in _finditer(_URL_RE, text, links):
        if m["path"] and _names_account(m["host"].lower(), text[m.start("path"):_trim_url(text, m)]):
            yield m.start(), _trim_url(text, m)
    for m in _finditer(_YT_CHANNEL_RE, text, links):
        yield m.span()
    for m in _finditer(_HOSTED_RE, text, blogs):
        if m["sub"].lower() not in _HOSTED_RESERVED:
            yield m.start(), _trim_url(text, m)


# --- detection ----------------------------------------------------------------------------------

def _candidates(text: str) -> Iterator[tuple[str, int, int]]:
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two ("İ"): keep offsets aligned
        low = "".join(c.lower()[0] for c in text)
    for start, end in _urls(text, low):
        yield URL_PESSOAL, start, end
    for start, end in _emails(text, low):
        yield EMAIL, start, end
    windows = _number_windows(text)
    if windows:
        yield from _documents(text, windows)
        for start, end in _phones(text, windows):
            yield TELEFONE, start, end


def _resolve(candidates: Iterable[tuple[str, int, int]]) -> list[Span]:
    """Longest first, then by kind priority, then leftmost; keep those not overlapping a kept one."""
    ordered = sorted(set(candidates), key=lambda c: (c[1] - c[2], _PRIORITY[c[0]], c[1]))
    starts: list[int] = []
    kept: list[tuple[int, int, str]] = []  # sorted by start, disjoint
    for kind, start, end in ordered:
        i = bisect.bisect_left(starts, start)
        if i > 0 and kept[i - 1][1] > start:
            continue
        if i < len(kept) and kept[i][0] < end:
            continue
        starts.insert(i, start)
        kept.insert(i, (start, end, kind))
    return [Span(kind, start, end) for start, end, kind in kept]


# Characters folded before matching (see the module rules): the invisible ones are dropped; width
# (fullwidth/halfwidth), small and font (math alphanumeric) variants become their NFKC form; the
# ideographic full stops become "."; any other decimal digit becomes its ASCII digit. Other
# compatibility forms (superscripts, circled digits, ordinals such as "nº", ligatures) stay as they
# are. ``_FOLDABLE`` (the blocks those characters live in) and ``_OTHER_DIGIT`` are single
# character classes, scanned fast: most text (ASCII, accents, emoji, CJK) never reaches the
# per-character work.
_FOLD_TAGS = frozenset(("<wide>", "<narrow>", "<small>", "<font>"))
_FOLDABLE = re.compile(
    rf"{_INVISIBLE.pattern}|[\u2100-\u214f\u3000-\u3002\ufb20-\ufb29\ufe50-\ufe6f\uff00-\uffef"
    r"\U0001d400-\U0001d7ff\U0001ee00-\U0001eeff]"
)
_OTHER_DIGIT = re.compile(r"[^\D0-9]")  # a decimal digit, not ASCII (one class: scanned fast)


@functools.lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if _INVISIBLE.fullmatch(c):
        return ""
    if unicodedata.decomposition(c).partition(" ")[0] in _FOLD_TAGS:
        c = unicodedata.normalize("NFKC", c)
    if c == "\u3002":  # IDEOGRAPHIC FULL STOP (and U+FF61, its halfwidth form, after NFKC)
        return "."
    digit = unicodedata.decimal(c, None) if len(c) == 1 else None
    return c if digit is None else str(digit)


def _fold(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded for matching, and for each folded character the raw index it comes from
    (``None``: the same index, when no character was dropped or expanded)."""
    chars = set(_FOLDABLE.findall(text))
    chars.update(_OTHER_DIGIT.findall(text))
    table = {c: f for c in chars if (f := _fold_char(c)) != c}
    if not table:
        return text, None
    if all(len(f) == 1 for f in table.values()):
        return text.translate({ord(c): f for c, f in table.items()}), None
    pieces: list[str] = []
    origin: list[int] = []
    pos = 0
    # a set: fullwidth digits are in both classes
    for i in sorted({m.start() for rx in (_FOLDABLE, _OTHER_DIGIT) for m in rx.finditer(text)}):
        folded = table.get(text[i])
        if folded is None:
            continue
        pieces += (text[pos:i], folded)
        origin += range(pos, i)
        origin += [i] * len(folded)
        pos = i + 1
    pieces.append(text[pos:])
    origin += range(pos, len(text))
    return "".join(pieces), origin


def detect(text: str) -> list[Span]:
    """Personal data in ``text``: non-overlapping spans sorted by start (see the module rules)."""
    if not text:
        return []
    if text.isascii():
        return _resolve(_candidates(text))
    folded, origin = _fold(text)
    spans = _resolve(_candidates(folded))
    if origin is None:
        return spans
    # Map each span onto the raw characters it was folded from (a span covers the invisible
    # characters inside it, not those at its edges).
    raw: list[Span] = []
    for s in spans:
        kind, start, end = s.kind, origin[s.start], origin[s.end - 1] + 1
        if raw and start < raw[-1].end:  # two spans out of one raw character: one span
            prev = raw.pop()
            kind = prev.kind if prev.end - prev.start >= end - start else kind
            start, end = prev.start, max(prev.end, end)
        raw.append(Span(kind, start, end))
    return raw


def mask(text: str, spans: Iterable[Span] | None = None) -> str:
    """``text`` with each span replaced by ``KIND_LABELS[kind]``; ``spans=None`` detects first."""
    ordered = detect(text) if spans is None else sorted(spans, key=lambda s: (s.start, s.end))
    pieces: list[str] = []
    pos = 0
    for span in ordered:
        if span.start < pos:
            raise ValueError(f"overlapping spans at {span.start}")
        if span.end > len(text):
            raise ValueError(f"span {span.start}..{span.end} is outside a text of {len(text)} characters")
        pieces += (text[pos:span.start], KIND_LABELS[span.kind])
        pos = span.end
    pieces.append(text[pos:])
    return "".join(pieces)


def mask_text(text: str | None) -> str | None:
    """``text`` masked (``None`` and ``""`` as they are): for text derived from comments -- cut,
    quoted, echoed by a model -- which has no stored spans, so detection runs on it again."""
    return mask(text) if text else text


def mask_strings(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, scalars) with every string value masked.

    Dictionary keys are kept: they are the code's own field names, never user text. Masking is
    idempotent (the labels are not personal data), so masking twice reads the same.
    """
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: mask_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_strings(item) for item in value]
    return value
