"""What every classifier promises: ``classify`` one text, ``classify_many`` without raising.

The result types (``Classification``, ``Outcome``, errors) live in ``alumusic.domain``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
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

    def classify_stream(self, items: Sequence[tuple[str, str]], concurrency: int) -> Iterator[Outcome]:
        """``classify_many``'s outcomes as each one finishes (completion order); closing the
        iterator early drops the calls not started yet."""
        ...


class BaseClassifier:
    """Shared ``classify_many``: a thread pool bounded by ``concurrency`` (LLM calls are I/O)."""

    provenance: Provenance

    def classify(self, texto: str) -> Classification:  # pragma: no cover - abstract
        raise NotImplementedError

    def classify_many(self, items: Sequence[tuple[str, str]], concurrency: int = 1) -> list[Outcome]:
        if concurrency <= 1 or len(items) <= 1:
            return [self._outcome(item) for item in items]
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="classify") as pool:
            return list(pool.map(self._outcome, items))

    def classify_stream(self, items: Sequence[tuple[str, str]], concurrency: int = 1) -> Iterator[Outcome]:
        # Every call is queued at once and the pool keeps ``concurrency`` in flight until the end,
        # so the LLM never idles between groups of results while the caller stores them.
        if concurrency <= 1 or len(items) <= 1:
            yield from (self._outcome(item) for item in items)
            return
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="classify")
        try:
            for future in as_completed([pool.submit(self._outcome, item) for item in items]):
                yield future.result()
        finally:  # closed early: the calls in flight finish, the others never start
            pool.shutdown(wait=True, cancel_futures=True)

    def _outcome(self, item: tuple[str, str]) -> Outcome:
        comentario_id, texto = item
        try:
            return Outcome(comentario_id, result=self.classify(texto))
        except ClassificationError as exc:
            return Outcome(comentario_id, error=exc)
        except Exception as exc:  # noqa: BLE001 - one bad item never fails its batch
            return Outcome(comentario_id, error=ClassificationError(f"{type(exc).__name__}: {exc}"))
