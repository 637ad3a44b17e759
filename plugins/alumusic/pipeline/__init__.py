"""The classification pipeline behind the ``classify_comments`` DAG (no Airflow imports here).

- ``run_plan``: what one run works on (pending queue, or a past interval to reclassify).
- ``runs``: the run's three steps (prepare, classify one batch, summarize).
- ``batch``: classifying one claimed batch with bounded concurrency and storing the outcomes.
- ``stats``: the counts a batch reports.

No SQL here: claims, leases, attempts and the reset of failed comments are statements of
``alumusic.repositories.queue``.
"""
