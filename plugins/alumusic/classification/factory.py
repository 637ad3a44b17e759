"""The classifier for a backend over what the caller passes in: the taxonomy (read from the database
by the pipeline, the seed by evals), the offline classifier's learned layer (the active model) and
the Ollama prompt's examples (similar curator labels). This module never looks anything up itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from alumusic.classification.contract import Classifier
from alumusic.domain import Taxonomy
from alumusic.llm.backend import OLLAMA, resolve_backend
from alumusic.llm.ollama import client_from_settings
from alumusic.settings import Settings, get_settings

if TYPE_CHECKING:
    from alumusic.classification.learned import LearnedLayer
    from alumusic.repositories.labels import Label

ExamplesFor = Callable[[str], Sequence["Label"]]  # a comment's text -> labelled comments like it


def get_classifier(
    backend: str | None = None,
    model: str | None = None,
    *,
    taxonomy: Taxonomy,
    settings: Settings | None = None,
    learned: LearnedLayer | None = None,
    examples: ExamplesFor | None = None,
    versao_taxonomia: str | None = None,
) -> Classifier:
    """The classifier for ``backend`` (None: LLM_BACKEND; ``auto``: probed) over ``taxonomy``
    (active codes -> descriptions; the codes alone decide what a classification may carry).

    ``learned``: the offline classifier's active model (None: rules and calibration only).
    ``examples``: where the Ollama prompt finds the few curator labels most like a comment.
    ``versao_taxonomia``: the database's taxonomy version, part of the Ollama classifier's version
    (it can propose tags, and curators' decisions on them change its results)."""
    s = settings or get_settings()
    backend = resolve_backend(s, backend)
    if backend == OLLAMA:
        from alumusic.classification.ollama import OllamaClassifier

        return OllamaClassifier(client_from_settings(s, model), dict(taxonomy), num_ctx=s.ollama_num_ctx,
                                mascarar_dados=s.mascarar_dados_classificacao, examples=examples,
                                versao_taxonomia=versao_taxonomia)

    # Imported lazily: the offline classifier is a separate module with its own lexicons.
    from alumusic.classification.offline import OfflineClassifier

    # Restricted to the active taxonomy: codes can be retired in the database.
    return OfflineClassifier(taxonomy=list(taxonomy), learned=learned)
