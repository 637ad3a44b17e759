"""
# detect_alerts

Finds **spikes** per artist, album and tag and keeps the alerts curators see on
`/dashboard/alertas`:

- **criticism** — the share of `CRÍTICA` in the last 7 days rose against the 6 weeks before
  (two-proportion z-test, z ≥ 4, and at least 15 points more, with ≥ 30 comments this week and
  ≥ 30 in the baseline);
- **volume** — far more comments than the weekly median of the 6 weeks before (robust score
  ≥ 4 over max(1.4826·MAD, √median), at least 2× the median and 30 comments);
- **spam** — a SPAM wave: the same robust score on SPAM counts (at least 3× the median and 10).

The rules and the reason behind each number are in `alumusic/alerts/detection.py`; every alert
carries the sentence with its numbers. At most **one open alert per (subject, kind)**: later
evidence updates it, and it **closes** when the signal falls back (below the lower closing
thresholds: z < 1.5 or half the rise; score < 2).

**When**: whenever `classify_comments` changed classifications (the asset
`alumusic://classificacoes`), and every hour as a floor.

1. `detectar` — one pass over the last 7 windows of 7 days ending now (or at the `em` param).
2. `notificar` — e-mails the alerts opened and not yet e-mailed, once, in one message (HTML + text,
   the connection `smtp_default` like the weekly summary) to `ALERT_RECIPIENTS` (empty:
   `SUMMARY_RECIPIENTS`). The e-mail never carries a comment's text: it links to the private area.
   SMTP down: the task retries; what is still unsent goes with the next run.

**Params**: `em` (ISO date-time, e.g. `2026-11-20T12:00:00-03:00`: detect as of that moment,
for replaying a past week; empty = now).

Connections: the product database is the Airflow connection **`alumusic_db`**, as in every DAG.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, get_current_context, task

from alumusic.airflow_assets import CLASSIFICACOES
from alumusic.settings import get_settings

TZ = get_settings().timezone  # settings only: no database or network access while parsing


@dag(
    dag_id="detect_alerts",
    description="Alertas de picos de críticas, volume e SPAM por artista, álbum e tag.",
    doc_md=__doc__,
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 * * * *", timezone=TZ), assets=[CLASSIFICACOES]),
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    tags=["alumusic", "alertas"],
    default_args={
        "owner": "alumusic-dados",
        "retries": 3,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=15),
    },
    params={
        "em": Param(None, type=["null", "string"], format="date-time", title="Detectar em",
                    description="Momento (ISO 8601) em que as janelas terminam; vazio = agora."),
    },
)
def detect_alerts():
    @task
    def detectar() -> dict:
        """Open, update and close alerts from the last seven windows of seven days."""
        from alumusic import airflow_db
        from alumusic.alerts import service

        em = get_current_context()["params"].get("em")
        agora = pendulum.parse(em) if em else pendulum.now(TZ)
        return service.detect(airflow_db.product_engine(), agora).as_dict()

    @task
    def notificar(_detectado: dict) -> dict:
        """E-mail the alerts not yet e-mailed (once each)."""
        from alumusic import airflow_db
        from alumusic.alerts import service
        from alumusic.summary import mailer

        s = get_settings()
        recipients = s.alert_recipients or s.summary_recipients
        return service.notify(airflow_db.product_engine(), recipients=recipients,
                              dashboard_url=getattr(s, "public_base_url", None),
                              send=lambda msg, to: mailer.send(msg, to, default_sender=s.mail_from))

    notificar(detectar())


detect_alerts()
