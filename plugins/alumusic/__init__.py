"""AluMusic Insights: the shared package the API, the Airflow DAGs and the dashboard import.

Installed like any package (``pip install -e .`` in ``make venv``; ``pip install .`` in the image).
Layers, bottom to top (enforced by import-linter, see docs/ARCHITECTURE.md): ``domain`` →
``llm`` | ``repositories`` → services (``classification``, ``pipeline``, ``summary``, ``insights``,
``csv_export``) → adapters (``cli``, and ``api``/``dashboard``/``dags`` outside this package).
"""
