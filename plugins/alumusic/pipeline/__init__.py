"""The classification pipeline behind the ``classify_comments`` DAG (no Airflow imports here).

- ``run_plan``: what one run works on (pending queue, or a past interval to reclassify).
- ``claims``: taking comments with ``FOR UPDATE SKIP LOCKED`` and a lease; expired leases.
- ``batch``: classifying one claimed batch with bounded concurrency and storing the outcomes.
- ``failures``: putting failed comments back in the queue.
- ``connection``: the product database engine from the Airflow connection.
"""
