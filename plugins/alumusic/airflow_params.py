"""A DAG run's conf against the DAG's declared params: a key the DAG does not declare is refused.

Airflow merges ``dag_run.conf`` into the params and validates only the declared ones, so a typo is
silently ignored and the run does something else than asked (``{"max_lote": 1}`` on
``classify_comments`` classified the whole queue; ``{"semanas": ...}`` on ``weekly_summary`` built the
interval's week). Every DAG's first task calls ``refuse_unknown_conf`` before doing anything: the run
fails at once, without retries (retrying cannot fix a conf), naming the unknown keys and the accepted ones.

Imported inside tasks only (it imports the Airflow SDK): parsing a DAG file stays light.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def unknown_conf_message(conf: object, declared: Iterable[str]) -> str | None:
    """The pt-BR error for ``conf`` given the DAG's ``declared`` params, or None when it is acceptable."""
    accepted = sorted(declared)
    aceitos = ", ".join(accepted) if accepted else "nenhum (esta DAG não tem parâmetros)"
    if conf is None:
        return None
    if not isinstance(conf, Mapping):
        return f"conf deve ser um objeto JSON, recebido {type(conf).__name__}; parâmetros aceitos: {aceitos}"
    unknown = sorted((k for k in conf if k not in accepted), key=str)
    if not unknown:
        return None
    nomes = ", ".join(repr(k) for k in unknown)
    plural = "s desconhecidos" if len(unknown) > 1 else " desconhecido"
    return f"parâmetro{plural} em conf: {nomes}; parâmetros aceitos: {aceitos}"


def refuse_unknown_conf(context: Mapping[str, Any]) -> None:
    """Raise AirflowFailException (no retry) when the run's conf has keys the DAG does not declare."""
    from airflow.sdk.exceptions import AirflowFailException

    dag_run = context["dag_run"]
    message = unknown_conf_message(getattr(dag_run, "conf", None), context["dag"].params.keys())
    if message:
        raise AirflowFailException(message)
