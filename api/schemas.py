"""Request and response models of the API (pydantic): they validate requests and are the source
of the OpenAPI document, so the document cannot drift from what the API enforces.

Limits that are configurable (text length, batch size) come from the validation context
(``{"max_text_length": n}``), so the app config, not import time, decides them; the document shows
the configured defaults.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    field_validator,
)

from alumusic.domain import CATEGORIAS, STATUSES, names
from alumusic.domain import releases as releases_domain
from alumusic.settings import get_settings

_DEFAULTS = get_settings()
TIPOS = ("musica", "album", "clipe", "show")
STATUS = STATUSES  # alumusic.domain.Status
RESULTADOS = ("criado", "duplicado", "conflito", "invalido")
MAX_FIELD_LENGTH = 300


def clean_text(value: str) -> str:
    """Reject what PostgreSQL text cannot hold (NUL, lone surrogates); normalise to NFC."""
    if "\x00" in value:
        raise ValueError("texto contém byte NUL (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("texto contém caracteres Unicode inválidos (surrogates isolados)") from None
    return unicodedata.normalize("NFC", value)


def required_text(value: str, campo: str, limit: int) -> str:
    """Cleaned, trimmed text of 1..``limit`` characters (pt-BR errors naming ``campo``)."""
    value = clean_text(value).strip()
    if not value:
        raise ValueError(f"{campo} vazio ou só com espaços")
    if not names.has_visible(value):  # zero-width, Braille blank, a lone accent: nothing to read
        raise ValueError(f"{campo} sem nenhum caractere visível")
    if len(value) > limit:
        raise ValueError(f"{campo} com {len(value)} caracteres; o máximo é {limit}")
    return value


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    # Invisible characters out of names: "Anitta\u200b" would be a second artist in every chart.
    value = names.without_invisible(clean_text(value)).strip()
    if value and not names.has_visible(value):
        return None
    # Checked again after NFC: some characters expand (U+1D160 becomes three code points).
    if len(value) > MAX_FIELD_LENGTH:
        raise ValueError(f"campo com {len(value)} caracteres após normalização; o máximo é {MAX_FIELD_LENGTH}")
    if (ch := names.control_character(value)) is not None:  # these fields are names: one line
        raise ValueError(names.refusal("campo", ch))
    return value or None


SafeStr = Annotated[str, AfterValidator(clean_text)]
# The length limit sits on the str branch: blank text becomes None after it is checked.
OptionalField = Annotated[
    Annotated[str, Field(max_length=MAX_FIELD_LENGTH)] | None, AfterValidator(_optional_text), Field(default=None)
]


MIN_YEAR, MAX_YEAR = 1900, 2100


def _as_utc(value: datetime | None) -> datetime | None:
    """Store instants in UTC. Without an offset the time is read as UTC (documented), never as
    the server's zone; offsets PostgreSQL cannot hold (beyond ±15:59) are converted away here."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"data fora do intervalo aceito ({MIN_YEAR}–{MAX_YEAR})")
    return value.astimezone(timezone.utc)


# --- requests ----------------------------------------------------------------------------------
class ComentarioEntrada(BaseModel):
    """One comment to store. Unknown fields are refused (a typo must not lose data silently)."""

    model_config = ConfigDict(extra="forbid")

    id: UUID = Field(description="Id do comentário no cliente (chave de idempotência).")
    texto: str = Field(
        description="Texto do comentário; espaços das pontas removidos, Unicode normalizado (NFC).",
        json_schema_extra={"minLength": 1, "maxLength": _DEFAULTS.max_text_length},
    )
    artista: OptionalField
    album: OptionalField
    musica: OptionalField
    tipo: Literal["musica", "album", "clipe", "show"] | None = None
    publicado_em: Annotated[datetime | None, AfterValidator(_as_utc)] = Field(
        default=None, description="ISO-8601; sem fuso, entende-se UTC."
    )
    fonte: OptionalField

    @field_validator("texto")
    @classmethod
    def _texto(cls, value: str, info: ValidationInfo) -> str:
        return required_text(value, "texto", (info.context or {}).get("max_text_length", _DEFAULTS.max_text_length))


class LoteEntrada(BaseModel):
    """A batch: items are validated one by one; the valid ones are stored in one transaction."""

    model_config = ConfigDict(extra="forbid")

    comentarios: list[ComentarioEntrada] = Field(
        json_schema_extra={"minItems": 1, "maxItems": _DEFAULTS.max_batch_size}
    )


class CorpoComentarios(RootModel[ComentarioEntrada | LoteEntrada]):
    """One comment, or ``{"comentarios": [...]}``."""


class PedidoToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cliente: SafeStr = Field(min_length=1, max_length=64, description="Nome do cliente da API.")
    segredo: SafeStr = Field(min_length=1, max_length=512, description="Segredo mostrado na criação do cliente.")


class FiltroComentarios(BaseModel):
    """Query parameters of ``GET /api/comentarios``."""

    model_config = ConfigDict(extra="forbid")

    categoria: Literal[CATEGORIAS] | None = None  # type: ignore[valid-type]
    tag: SafeStr | None = Field(default=None, max_length=100)
    artista: SafeStr | None = Field(default=None, max_length=MAX_FIELD_LENGTH)
    album: SafeStr | None = Field(default=None, max_length=MAX_FIELD_LENGTH)
    texto: SafeStr | None = Field(default=None, max_length=500)
    desde: Annotated[datetime | None, AfterValidator(_as_utc)] = Field(
        default=None, description="Recebidos a partir deste instante (ISO-8601)."
    )
    ate: Annotated[datetime | None, AfterValidator(_as_utc)] = Field(
        default=None, description="Recebidos antes deste instante (ISO-8601)."
    )
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    limite: int = Field(default=50, ge=1, le=200)
    cursor: SafeStr | None = Field(default=None, max_length=200, description="proximo_cursor da página anterior.")


# --- responses ---------------------------------------------------------------------------------
class TokenResposta(BaseModel):
    access_token: str = Field(description="JWT curto: envie como 'Authorization: Bearer <token>'.")
    refresh_token: str = Field(
        description="Uso único: troque em /api/auth/refresh por um novo par. Reapresentar um refresh token já "
        "usado revoga todos os refresh tokens desta sessão (faça login de novo)."
    )
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Validade do access token, em segundos.")


class ResultadoItem(BaseModel):
    indice: int = Field(description="Posição do item no lote (0 = primeiro).")
    id: str | None = None
    resultado: Literal["criado", "duplicado", "conflito", "invalido"]
    motivos: list[str] = Field(default_factory=list, description="Por que o item é inválido ou conflita.")


class ResultadoUnico(BaseModel):
    id: str
    resultado: Literal["criado", "duplicado"]
    status: str = Field(description="Estado de classificação do comentário armazenado.")


class ResultadoLote(BaseModel):
    resultados: list[ResultadoItem]
    totais: dict[str, int]


class ComentarioSaida(BaseModel):
    id: UUID
    texto: str
    artista: str | None = None
    album: str | None = None
    musica: str | None = None
    tipo: str | None = None
    publicado_em: datetime | None = None
    recebido_em: datetime
    fonte: str | None = None
    status: str
    tentativas: int = 0
    ultimo_erro: str | None = None
    categoria: str | None = None
    confianca: float | None = None
    origem: str | None = None
    classificador: str | None = None
    versao_classificador: str | None = None
    modelo: str | None = None
    autor: str | None = None
    classificado_em: datetime | None = None
    tags: list[str] = Field(default_factory=list)


class PaginaComentarios(BaseModel):
    itens: list[ComentarioSaida]
    proximo_cursor: str | None = Field(default=None, description="Passe em ?cursor= para a próxima página.")


class TagSaida(BaseModel):
    codigo: str
    explicacao: str


class ClassificacaoSaida(BaseModel):
    id: int
    categoria: str
    confianca: float
    origem: str
    classificador: str
    versao: str
    modelo: str | None = None
    versao_prompt: str | None = None
    latencia_ms: float | None = None
    autor: str | None = None
    criado_em: datetime
    atual: bool
    tags: list[TagSaida] = Field(default_factory=list)


class ComentarioDetalhe(ComentarioSaida):
    historico: list[ClassificacaoSaida] = Field(default_factory=list, description="Mais recente primeiro.")


class ErroCorpo(BaseModel):
    codigo: int
    mensagem: str
    detalhes: list[Any] = Field(default_factory=list)


class Erro(BaseModel):
    """The single error shape of the API."""

    erro: ErroCorpo


def validation_details(exc: Any) -> list[dict]:
    """pydantic errors → ``[{"campo": "comentarios.3.texto", "mensagem": "..."}]`` (no input echo)."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        campo = ".".join(str(p) for p in err["loc"] if p not in ("function-after[clean_text(), str]",))
        mensagem = err["msg"].removeprefix("Value error, ")
        out.append({"campo": campo, "mensagem": mensagem})
    return out


# --- erasure (LGPD) ----------------------------------------------------------------------------
MOTIVO_PADRAO_API = "pedido do titular via API"
MAX_MOTIVO = 500


class PedidoApagamento(BaseModel):
    """Optional body of ``DELETE /api/comentarios/<id>``; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    motivo: str = Field(
        default=MOTIVO_PADRAO_API,
        description="Por que o texto é apagado (fica no registro de apagamentos; não ponha dados pessoais).",
        json_schema_extra={"minLength": 1, "maxLength": MAX_MOTIVO},
    )

    @field_validator("motivo")
    @classmethod
    def _motivo(cls, value: str) -> str:
        return required_text(value, "motivo", MAX_MOTIVO)


class RespostaApagamento(BaseModel):
    id: str
    apagado: bool = Field(description="true: o texto foi apagado agora; false: já estava apagado (nada mudou).")


# --- release catalog ---------------------------------------------------------------------------
# The rules are alumusic.domain.releases' (shared with the CSV import and the dashboard page); these
# models only add the document's shape and run them.
class LancamentoEntrada(BaseModel):
    """A release to create (POST) or the full new state of one (PUT). Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    artista: str = Field(description="Artista, como aparece nos comentários (espaços das pontas removidos).",
                         json_schema_extra={"minLength": 1, "maxLength": releases_domain.MAX_TEXTO})
    titulo: str = Field(description="Título do álbum, ou da música quando tipo = musica.",
                        json_schema_extra={"minLength": 1, "maxLength": releases_domain.MAX_TEXTO})
    tipo: Literal["album", "musica"] = Field(
        default="album", description="album: conta comentários com este álbum; musica: com esta música.")
    lancado_em: date = Field(description="Data de lançamento, aaaa-mm-dd (dd/mm/aaaa também é aceito).")

    @field_validator("artista", "titulo", mode="before")
    @classmethod
    def _texto(cls, value: object, info: ValidationInfo) -> str:
        return releases_domain.clean_name(value, info.field_name)

    @field_validator("lancado_em", mode="before")
    @classmethod
    def _data(cls, value: object) -> date:
        return releases_domain.parse_date(value)


def _query_date(value: object) -> date | None:
    return None if value is None else releases_domain.parse_date(value)


class FiltroLancamentos(BaseModel):
    """Query parameters of ``GET /api/lancamentos``."""

    model_config = ConfigDict(extra="forbid")

    artista: SafeStr | None = Field(default=None, max_length=releases_domain.MAX_TEXTO,
                                    description="Parte do nome do artista (sem diferenciar maiúsculas).")
    tipo: Literal["album", "musica"] | None = None
    desde: Annotated[date | None, BeforeValidator(_query_date)] = Field(
        default=None, description="Lançados a partir deste dia (aaaa-mm-dd).")
    ate: Annotated[date | None, BeforeValidator(_query_date)] = Field(
        default=None, description="Lançados até este dia, inclusive (aaaa-mm-dd).")
    limite: int = Field(default=100, ge=1, le=500)
    pagina: int = Field(default=1, ge=1, le=10_000)


class LancamentoSaida(BaseModel):
    id: int
    artista: str
    titulo: str
    tipo: Literal["album", "musica"]
    lancado_em: date
    criado_em: datetime
    atualizado_em: datetime
    autor: str | None = Field(default=None, description="Quem criou ou alterou por último (cliente, curador ou cli).")


class PaginaLancamentos(BaseModel):
    itens: list[LancamentoSaida]
    total: int = Field(description="Lançamentos que atendem aos filtros, em todas as páginas.")
    pagina: int
    limite: int


class RespostaApagamentoLancamento(BaseModel):
    id: int
    apagado: Literal[True] = True
