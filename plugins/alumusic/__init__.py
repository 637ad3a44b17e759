"""AluMusic Insights domain code, shared by the API, the Airflow DAGs and the dashboard.

Airflow puts ``$AIRFLOW_HOME/plugins`` on ``sys.path`` by itself; the API, the dashboard and the
tests get it through the virtualenv's ``alumusic.pth`` (written by ``make venv``) or PYTHONPATH.
"""
