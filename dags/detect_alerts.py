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

**Params**: `em` (ISO 8601 date-time, e.g. `2026-11-20T12:00:00-03:00`: detect as of that moment;
empty = now). The detector's state is **the live alerts**: a pass at `em` opens, updates and closes
them as of `em` and e-mails what it opened, so `em` only re-runs a recent, missed pass. It must be

- a date *and* time (`datetime.fromisoformat`); a date alone (`2026-11-20`) is refused, not read as
  midnight: "that day" is no instant the windows could end at;
- without an offset, a time in the product's time zone (`TIMEZONE`, default America/Sao_Paulo),
  not UTC; with one (`-03:00`, `Z`), that instant;
- within the last **24 hours** and not in the future (5 minutes of clock skew allowed): a replay of
  an older moment would close or reopen today's alerts and e-mail stale ones.

Anything else (`garbage`, `2024-02-30T10:00:00`, `P1D`, `2000-01-01T00:00:00Z`, a conf key other than
`em`) fails the run at once, without retries, and leaves the alerts untouched. Replaying the past
for analysis is not this DAG's job: it would need a detector that writes somewhere else.

Connections: the product database is the Airflow connection **`alumusic_db`**, as in every DAG.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from alumusic.airflow_assets import CLASSIFICACOES
from alumusic.settings import get_settings

TZ = get_settings().timezone  # settings only: no database or network access while parsing

# How far `em` may be from now (see doc_md): a pass rewrites the live alerts as of `em`.
EM_MAX_PAST = timedelta(days=1)
EM_MAX_AHEAD = timedelta(minutes=5)  # clock skew between whoever typed it and the worker
EXEMPLO = "2026-11-20T12:00:00-03:00"


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
        from alumusic.airflow_params import refuse_unknown_conf
        from alumusic.alerts import service

        ctx = get_current_context()
        refuse_unknown_conf(ctx)
        try:
            agora = detection_moment(ctx["params"].get("em"), TZ, datetime.now(ZoneInfo(TZ)))
        except ValueError as exc:  # a bad "em": retrying cannot help, and the alerts stay as they are
            raise AirflowFailException(str(exc)) from exc
        return {**service.detect(airflow_db.product_engine(), agora).as_dict(), "em": agora.isoformat()}

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


def detection_moment(em: object, tz: str, now: datetime) -> datetime:
    """The aware moment a pass detects at: ``now`` when ``em`` is empty, else ``em`` read as the
    doc_md says; ValueError (pt-BR, the DAG's language for param errors) when it must be refused."""
    if em is None or (isinstance(em, str) and not em.strip()):
        return now
    if not isinstance(em, str):
        raise ValueError(f"em deve ser um texto ISO 8601 (ex.: {EXEMPLO}), recebido {type(em).__name__}")
    text = em.strip()
    try:
        date.fromisoformat(text)
    except ValueError:
        pass
    else:
        raise ValueError(f"em deve ter data e hora, não só a data: {em!r} (ex.: {EXEMPLO})")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"em inválido: {em!r} (use data e hora ISO 8601, ex.: {EXEMPLO})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))  # the product's time zone, not UTC
    if moment > now + EM_MAX_AHEAD:
        raise ValueError(f"em no futuro: {em!r} (agora são {now.isoformat(timespec='seconds')})")
    if moment < now - EM_MAX_PAST:
        raise ValueError(f"em mais de 24 h no passado: {em!r}; os alertas são os vigentes e uma detecção "
                         "no passado os fecharia ou reabriria (use em vazio = agora)")
    return moment


detect_alerts()
