"""Backend selection: ``LLM_BACKEND=ollama|offline|auto`` and the classifier/text client to use.

``auto`` picks Ollama when a configured host answers and lists the model in ``/api/tags``, else
the offline classifier. The decision is logged once per process (and again only if it changes);
it is re-probed after ``AUTO_RECHECK_S`` so long-running services notice an Ollama started later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from alumusic.classification.contract import Classifier
from alumusic.llm.ollama import OllamaClient, client_from_settings
from alumusic.settings import Settings, get_settings

log = logging.getLogger(__name__)

OLLAMA, OFFLINE = "ollama", "offline"
BACKENDS = (OLLAMA, OFFLINE)
AUTO_RECHECK_S = 60.0
PROBE_READ_TIMEOUT_S = 5.0  # /api/tags is instant on a healthy server

_auto: dict[tuple, tuple[str, float]] = {}  # (hosts, model) -> (decision, decided_at)
_auto_lock = threading.Lock()


def reset_backend_cache() -> None:
    """Forget ``auto`` decisions (tests, or after reconfiguring)."""
    with _auto_lock:
        _auto.clear()


def resolve_backend(settings: Settings | None = None) -> str:
    """``"ollama"`` or ``"offline"`` for the configured LLM_BACKEND."""
    s = settings or get_settings()
    if s.llm_backend != "auto":
        return s.llm_backend
    key = (tuple(s.ollama_hosts), s.ollama_model)
    with _auto_lock:
        cached = _auto.get(key)
        if cached and time.monotonic() - cached[1] < AUTO_RECHECK_S:
            return cached[0]
        client = client_from_settings(s)
        hosts = client.hosts_with_model(timeout=PROBE_READ_TIMEOUT_S)
        decision = OLLAMA if hosts else OFFLINE
        if cached is None or cached[0] != decision:
            if hosts:
                log.info("LLM_BACKEND=auto: using Ollama model %s on %s", s.ollama_model, ", ".join(hosts))
            else:
                log.warning("LLM_BACKEND=auto: no Ollama host with model %s among %s; using the offline "
                            "classifier", s.ollama_model, ", ".join(s.ollama_hosts))
        _auto[key] = (decision, time.monotonic())
        return decision


def taxonomy(settings: Settings | None = None) -> dict[str, str]:
    """Active tag codes -> descriptions: from the database when one is configured, else the seed."""
    from alumusic.repositories import taxonomy as repo

    s = settings or get_settings()
    if s.database_url:
        from alumusic import db

        with db.get_engine(s.database_url).connect() as conn:
            tags = repo.active_tags(conn)
    else:
        tags = list(repo.seed_tags())
    return {t.codigo: f"{t.rotulo} — {t.descricao}" for t in tags}


def get_classifier(
    backend: str | None = None,
    model: str | None = None,
    *,
    tag_codes: Iterable[str] | None = None,
    settings: Settings | None = None,
) -> Classifier:
    """The classifier for ``backend`` (default: resolved from settings) over the current taxonomy."""
    s = settings or get_settings()
    backend = backend or resolve_backend(s)
    if backend == "auto":
        backend = resolve_backend(s.model_copy(update={"llm_backend": "auto"}))
    if backend not in BACKENDS:
        raise ValueError(f"unknown classifier backend {backend!r} (expected one of {BACKENDS} or 'auto')")

    known = taxonomy(s) if tag_codes is None else taxonomy_descriptions_for(tag_codes, s)

    if backend == OLLAMA:
        from alumusic.classification.ollama import OllamaClassifier

        return OllamaClassifier(client_from_settings(s, model), known, num_ctx=s.ollama_num_ctx,
                                mascarar_dados=s.mascarar_dados_classificacao)

    # Imported lazily: the offline classifier is a separate module with its own lexicons.
    from alumusic.classification.offline import OfflineClassifier

    # Restricted to the active taxonomy: codes can be retired in the database.
    return OfflineClassifier(taxonomy=list(known))


def taxonomy_descriptions_for(tag_codes: Iterable[str], settings: Settings | None = None) -> dict[str, str]:
    """Exactly ``tag_codes``, described from the configured taxonomy when known (the prompt reads
    better with descriptions; the codes alone decide what is valid)."""
    import sqlalchemy as sa

    try:
        described = taxonomy(settings)
    except sa.exc.SQLAlchemyError as exc:  # descriptions are a nicety: fall back to the seed's
        log.warning("taxonomy descriptions unavailable from the database (%s); using the seed's", exc)
        described = taxonomy((settings or get_settings()).model_copy(update={"database_url": None}))
    return {code: described.get(code, "") for code in tag_codes}


def get_text_client(settings: Settings | None = None) -> OllamaClient | None:
    """An Ollama client for free text (weekly summary, insights Q&A), or None when offline."""
    s = settings or get_settings()
    if resolve_backend(s) != OLLAMA:
        return None
    return client_from_settings(s)
