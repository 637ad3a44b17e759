"""The steps of a ``train_classifier`` run, callable without Airflow (tests), and the active model
as the classify pipeline loads it.

1. ``train``: every current curator label (``repositories.labels``) → a candidate trained on the
   labels not held out plus the project's own set, scored with the active model on the held-out
   labels (``classification.training.evaluate_candidate``), stored as ``candidato`` with both scores.
2. ``decide``: promote it when the gate says so (or when forced), else refuse it; both scores stay.
3. ``rollback``: make an earlier model active again.

``new_labels`` tells ``classify_comments`` whether enough labels arrived since the last trained
model to announce ``alumusic://correcoes``; ``retrain_needed`` whether the active model was emptied
because a comment it was trained on lost its text (erasure, retention), which also announces it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa

from alumusic.classification import training
from alumusic.classification.learned import ArtefactError, LearnedLayer
from alumusic.repositories import labels, models

log = logging.getLogger(__name__)


def new_labels(engine: sa.Engine) -> int:
    """Curator labels newer than the newest one any stored model was trained with."""
    with engine.connect() as conn:
        return labels.count_labels(conn, models.trained_up_to(conn))


def retrain_needed(engine: sa.Engine) -> bool:
    """No active model because the newest one forgot a removed text: a new one must be trained."""
    with engine.connect() as conn:
        return models.retrain_needed(conn)


# Under a retention policy, a model must not hold a text that ages out before the next daily
# training replaces it: that would empty the active model (rules only until a retraining).
RETENTION_MARGIN_DAYS = 7


def training_cutoff(retention_days: int | None, now: datetime) -> datetime | None:
    """The oldest reception time a training label may have under a retention policy of
    ``retention_days`` (None: no policy, every label). Labels of comments whose text is removed
    within ``RETENTION_MARGIN_DAYS`` (half the policy, for policies under two weeks) are left out,
    so a model outlives its oldest text by that margin and the daily training replaces it first."""
    if not retention_days:
        return None
    return now - timedelta(days=retention_days - min(RETENTION_MARGIN_DAYS, retention_days // 2))


def train(engine: sa.Engine, *, seed: int = 0, retention_days: int | None = None,
          now: datetime | None = None) -> dict:
    """Train, score and store a candidate; returns its version, the gate's decision and both scores.
    ``retention_days``: the text retention policy (``RETENCAO_TEXTO_DIAS``), see ``training_cutoff``."""
    cutoff = training_cutoff(retention_days, now or datetime.now(UTC))
    with engine.connect() as conn:
        every_label = labels.manual_labels(conn, received_since=cutoff)
        newest = labels.newest_label_id(conn)
        current = models.active(conn)
        versao = models.next_version(conn)
    ev = training.evaluate_candidate(every_label, versao=versao, seed=seed, current=_readable(current))
    with engine.begin() as conn:
        models.save_candidate(conn, versao, ev.candidate.to_bytes(), ev.trained_on, newest, ev.metrics(),
                              comentarios=ev.trained_ids)
    log.info("candidato %s: %d rótulos de treino, %d separados%s; candidato %s; atual (%s) %s; %s", versao,
             ev.trained_on, ev.held_out,
             f" (só de comentários recebidos desde {cutoff:%Y-%m-%d %H:%M}: retenção)" if cutoff else "",
             ev.candidate_scores, current[0] if current else "regras", ev.current_scores, ev.reason)
    return {"versao": versao, "promover": ev.promote, "motivo": ev.reason,
            "candidato": ev.candidate_scores, "atual": ev.current_scores}


def _readable(current: tuple[str, bytes] | None) -> LearnedLayer | None:
    """The active model to gate against; an artefact that does not load (damaged, planted) counts
    as no model, so this run can replace it (classify runs refuse it until then)."""
    if current is None:
        return None
    try:
        return LearnedLayer.from_bytes(current[1])
    except ArtefactError as exc:
        log.error("modelo ativo %s recusado ao carregar (%s): o candidato é comparado às regras", current[0], exc)
        return None


def decide(engine: sa.Engine, treino: dict, *, forcar: bool = False, por: str) -> dict:
    """Promote the candidate of ``treino`` if the gate passed it (or ``forcar``), else refuse it."""
    versao, motivo = treino["versao"], treino["motivo"]
    promover = bool(treino["promover"]) or forcar
    if forcar and not treino["promover"]:
        motivo = f"promoção forçada por {por} apesar do portão: {motivo}"
    try:
        with engine.begin() as conn:
            if promover:
                models.promote(conn, versao, por=por, motivo=motivo)
            else:
                models.refuse(conn, versao, motivo=motivo, por=por)
    except models.ModelForgottenError as exc:
        # A text it was trained on was removed between training and now: it is already refused
        # and empty; the next run trains without that text.
        log.warning("%s não foi decidido: %s", versao, exc)
        return {"versao": versao, "estado": models.RECUSADO, "motivo": str(exc)}
    log.info("%s %s: %s", versao, "promovido" if promover else "recusado", motivo)
    return {"versao": versao, "estado": models.ATIVO if promover else models.RECUSADO, "motivo": motivo}


def rollback(engine: sa.Engine, versao: str, *, por: str) -> dict:
    """Make the earlier model ``versao`` active again (the current one is retired). Its artefact
    must load first (``ArtefactError`` otherwise): a rollback must not stop classification."""
    with engine.begin() as conn:
        models.rollback(conn, versao, por=por, motivo=f"revertido para {versao} por {por}")
        LearnedLayer.from_bytes(models.artefact(conn, versao))  # raises: the rollback is undone
    log.info("modelo ativo revertido para %s por %s", versao, por)
    return {"versao": versao, "estado": models.ATIVO, "revertido": True}


def active_layer(engine: sa.Engine) -> LearnedLayer | None:
    """The active model (None: rules and calibration only), deserialised once per version."""
    with engine.connect() as conn:
        versao = models.active_version(conn)
    if versao is None:
        _load.cache_clear()  # an emptied model must not live on in this process either
        return None
    return _load(engine, versao)


# One entry: loading the next active version evicts the previous one (which may have been emptied).
@lru_cache(maxsize=1)
def _load(engine: sa.Engine, versao: str) -> LearnedLayer:
    with engine.connect() as conn:
        return LearnedLayer.from_bytes(models.artefact(conn, versao))
