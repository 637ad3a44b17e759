"""Alarms (incidents) as the product names them: the types, their pt-BR labels, and the rule that
decides whether a measured value breaks its limit. No I/O."""

from __future__ import annotations

from dataclasses import dataclass

ORIGEM_PIPELINE = "pipeline"
ORIGEM_PICOS = "picos"  # spike alerts (criticism/volume/spam per artist, album or tag) share the table

FILA_PARADA = "fila_parada"
FALHAS_EXCESSIVAS = "falhas_excessivas"
PIPELINE_ALARMS = (FILA_PARADA, FALHAS_EXCESSIVAS)

TITULOS = {
    FILA_PARADA: "Fila de classificação parada",
    FALHAS_EXCESSIVAS: "Taxa de falhas de classificação alta",
}


@dataclass(frozen=True)
class Check:
    """One alarm's evaluation: ``firing`` when ``valor`` exceeds ``limite``; ``detalhe`` is pt-BR."""

    tipo: str
    firing: bool
    valor: float | None
    limite: float
    detalhe: str
    chave: str = ""
    origem: str = ORIGEM_PIPELINE


def minutes_text(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h".replace(".", ",")


def pending_age_check(idade_s: float | None, max_minutes: int) -> Check:
    limite = max_minutes * 60.0
    firing = idade_s is not None and idade_s > limite
    detalhe = ("nenhum comentário pendente" if idade_s is None else
               f"o comentário pendente mais antigo espera há {minutes_text(idade_s)} "
               f"(limite: {max_minutes} min)")
    return Check(FILA_PARADA, firing, idade_s, limite, detalhe)


def failure_rate_check(classificados: int, erros: int, *, rate: float, window_minutes: int,
                       min_attempts: int) -> Check:
    tentativas = classificados + erros
    valor = erros / tentativas if tentativas else None
    firing = tentativas >= min_attempts and valor is not None and valor > rate
    pct = f"{valor * 100:.0f}%" if valor is not None else "—"
    detalhe = (f"{erros} de {tentativas} tentativas falharam nos últimos {window_minutes} min ({pct}; "
               f"limite: {rate * 100:.0f}% com ao menos {min_attempts} tentativas)")
    return Check(FALHAS_EXCESSIVAS, firing, valor, rate, detalhe)
