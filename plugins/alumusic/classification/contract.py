"""What every classifier promises: ``classify`` one text, ``classify_many`` without raising.

The result types (``Classification``, ``Outcome``, errors) live in ``alumusic.domain``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from alumusic.domain import Classification, ClassificationError, Outcome, Provenance


class Classifier(Protocol):
    provenance: Provenance

    def classify(self, texto: str) -> Classification:
        """Classify one comment or raise ClassificationError."""
        ...

    def classify_many(self, items: Sequence[tuple[str, str]], concurrency: int) -> list[Outcome]:
        """Classify ``(comentario_id, texto)`` pairs with at most ``concurrency`` in flight.

        Never raises for one bad item: each item gets an Outcome.
        """
        ...


class BaseClassifier:
    """Shared ``classify_many``: a thread pool bounded by ``concurrency`` (LLM calls are I/O)."""

    provenance: Provenance

    def classify(self, texto: str) -> Classification:  # pragma: no cover - abstract
        raise NotImplementedError

    def classify_many(self, items: Sequence[tuple[str, str]], concurrency: int = 1) -> list[Outcome]:
        from concurrent.futures import ThreadPoolExecutor

        def one(item: tuple[str, str]) -> Outcome:
            comentario_id, texto = item
            try:
                return Outcome(comentario_id, result=self.classify(texto))
            except ClassificationError as exc:
                return Outcome(comentario_id, error=exc)
            except Exception as exc:  # noqa: BLE001 - one bad item never fails its batch
                return Outcome(comentario_id, error=ClassificationError(f"{type(exc).__name__}: {exc}"))

        if concurrency <= 1 or len(items) <= 1:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="classify") as pool:
            return list(pool.map(one, items))
