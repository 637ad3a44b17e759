"""Why a comment could not be classified (shared by classifiers, the LLM client and the pipeline)."""

from __future__ import annotations


class ClassificationError(RuntimeError):
    """The comment could not be classified; nothing is to be stored as its label."""


class BackendUnavailableError(ClassificationError):
    """The backend cannot be reached (connection refused, timeout, model missing)."""


class InvalidAnswerError(ClassificationError):
    """The backend answered, but not with a valid classification (after the corrective retry)."""
