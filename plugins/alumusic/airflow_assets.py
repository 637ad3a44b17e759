"""The Airflow Assets the DAGs announce and are scheduled on: one definition each, so a producer
and its consumers can never disagree on a URI.

- ``CLASSIFICACOES``: emitted by ``classify_comments`` when classifications changed;
  ``detect_alerts`` runs on it.
- ``CORRECOES``: emitted by ``classify_comments`` when enough new curator labels arrived;
  ``train_classifier`` runs on it.
"""

from __future__ import annotations

from airflow.sdk import Asset

CLASSIFICACOES = Asset("alumusic://classificacoes")
CORRECOES = Asset("alumusic://correcoes")
