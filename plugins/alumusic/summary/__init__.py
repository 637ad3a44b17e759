"""Weekly summary: statistics from the SQL views, a capped comment sample, the pt-BR text
(LLM or offline), the e-mail, and the ``resumos_semanais`` repository keyed by ISO week.

The Airflow DAG ``weekly_summary`` only wires these steps together (see ``pipeline``).
Personal data in comments is masked on every way out (see ``pipeline`` and ``alumusic.pii.mask_text``).
"""
