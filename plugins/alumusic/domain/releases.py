"""A release of the catalog (an album or a single song) and the rules every way in shares.

The API (pydantic models in ``api/schemas.py``), the CSV import and the dashboard page all check a
release with :func:`validate`, so the three accept and refuse exactly the same things. Messages are
pt-BR, naming the field; the input itself is never echoed (it may be hostile).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from alumusic.domain import names

TIPOS_LANCAMENTO = ("album", "musica")
ROTULOS_TIPO = {"album": "Álbum", "musica": "Música (single)"}
MAX_TEXTO = 300
MIN_ANO, MAX_ANO = 1900, 2100
_BR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Release:
    """What a release is: comments about ``artista`` and ``titulo`` (the album, or the song when
    ``tipo`` is ``musica``) are counted from ``lancado_em`` on."""

    artista: str
    titulo: str
    tipo: str
    lancado_em: date

    @property
    def chave(self) -> tuple[str, str, str]:
        """One release per artist, type and title (the catalog's unique key)."""
        return (self.artista, self.tipo, self.titulo)


class InvalidRelease(ValueError):
    """The release breaks a rule; ``problemas`` is ``[{"campo", "mensagem"}]`` (pt-BR)."""

    def __init__(self, problemas: list[dict[str, str]]) -> None:
        self.problemas = problemas
        super().__init__("; ".join(f"{p['campo']}: {p['mensagem']}" for p in problemas))


def clean_name(value: object, campo: str) -> str:
    """Trimmed NFC text of 1..MAX_TEXTO characters, without NUL or lone surrogates (ValueError)."""
    if not isinstance(value, str):
        raise ValueError(f"{campo} deve ser texto")
    if "\x00" in value:
        raise ValueError(f"{campo} contém byte NUL (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{campo} contém caracteres Unicode inválidos (surrogates isolados)") from None
    # Normalised as comments are (api.schemas: NFC, trimmed), so the report's join finds them.
    value = names.without_invisible(unicodedata.normalize("NFC", value)).strip()
    if not value or not names.has_visible(value):
        raise ValueError(f"{campo} vazio ou só com espaços")
    if len(value) > MAX_TEXTO:
        raise ValueError(f"{campo} com {len(value)} caracteres; o máximo é {MAX_TEXTO}")
    if (ch := names.control_character(value)) is not None:
        raise ValueError(names.refusal(campo, ch))
    return value


def parse_tipo(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in TIPOS_LANCAMENTO:
        raise ValueError(f"tipo deve ser {' ou '.join(TIPOS_LANCAMENTO)}")
    return value.strip().lower()


def parse_date(value: object) -> date:
    """A date as ``aaaa-mm-dd`` (ISO) or ``dd/mm/aaaa`` (pt-BR), between MIN_ANO and MAX_ANO."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        if not isinstance(value, str):
            raise ValueError("data deve ser texto no formato aaaa-mm-dd ou dd/mm/aaaa")
        text = value.strip()
        try:
            m = _BR_DATE.match(text)
            value = date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(text)
        except ValueError:
            raise ValueError("data inválida: use aaaa-mm-dd ou dd/mm/aaaa") from None
    if not MIN_ANO <= value.year <= MAX_ANO:
        raise ValueError(f"data fora do intervalo aceito ({MIN_ANO}–{MAX_ANO})")
    return value


def validate(artista: object, titulo: object, tipo: object, lancado_em: object) -> Release:
    """The release, or :class:`InvalidRelease` listing every broken rule."""
    problemas: list[dict[str, str]] = []
    values: dict[str, object] = {}
    for campo, raw, check in (("artista", artista, lambda v: clean_name(v, "artista")),
                              ("titulo", titulo, lambda v: clean_name(v, "titulo")),
                              ("tipo", tipo, parse_tipo), ("lancado_em", lancado_em, parse_date)):
        try:
            values[campo] = check(raw)
        except ValueError as exc:
            problemas.append({"campo": campo, "mensagem": str(exc)})
    if problemas:
        raise InvalidRelease(problemas)
    return Release(**values)  # type: ignore[arg-type]
