"""Weekly summary: statistics from the SQL views, a capped comment sample, the pt-BR text
(LLM or offline) and the e-mail, stored in ``resumos_semanais`` by ISO week. The queries are in
``alumusic.repositories.weekly`` (statistics, sample) and ``alumusic.repositories.summaries``.

The Airflow DAG ``weekly_summary`` only wires these steps together (see ``pipeline``).
Personal data in comments is masked on every way out (see ``pipeline`` and ``alumusic.domain.pii.mask_text``).
"""
