"""Sending through Airflow's SMTP provider (connection ``smtp_default`` by default).

The provider's ``send_email_smtp`` only builds an HTML part; the summary needs HTML + plain text,
so the provider's hook opens the authenticated connection (TLS/SSL/login from the Airflow
connection) and the message built in ``message.py`` goes through it.
"""

from __future__ import annotations

from email.message import EmailMessage

SMTP_CONN_ID = "smtp_default"


def send(msg: EmailMessage, recipients: list[str], *, default_sender: str, conn_id: str = SMTP_CONN_ID) -> None:
    """Send ``msg`` to ``recipients``; any SMTP error propagates (the Airflow task retries).

    The sender is the connection's ``from_email`` extra, else ``default_sender`` (MAIL_FROM).
    """
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=conn_id) as hook:
        if "From" not in msg:
            msg["From"] = hook.from_email or default_sender
        # _smtp_client: the provider exposes no public accessor (pinned apache-airflow-providers-smtp).
        refused = hook._smtp_client.send_message(msg, to_addrs=recipients)
    if refused:
        raise RuntimeError(f"servidor SMTP recusou destinatários: {sorted(refused)}")
