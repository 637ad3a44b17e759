"""Watching the pipeline (issue 19): Ollama host probes, the pipeline alarms and their e-mail.

Run by the ``monitor_pipeline`` DAG every ``MONITOR_SCHEDULE_MINUTES``; the status page
(``dashboard/pages/status.py``) and ``/metrics`` read what it records. SQL in
``repositories/status.py`` and ``repositories/alarms.py``; the alarm rules in ``domain/alarms.py``.
"""
