"""Delivery record of the weekly summary (migration 0011): recipients, attempts and the last error,
written by ``pipeline.deliver`` against a real SMTP server (aiosmtpd, ``tests.support.smtp``)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from alumusic.repositories import summaries
from alumusic.summary.pipeline import build_and_store, deliver
from tests.support.smtp import free_port

RECIPIENTS = ["curadoria@exemplo.com", "chefe@exemplo.com"]


def _sender(port: int):
    def send(msg: EmailMessage, recipients: list[str]) -> None:
        msg["From"] = "insights@exemplo.com"
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(msg, to_addrs=recipients)
    return send


@pytest.fixture
def stored_week(db, week, smtp):
    smtp.envelopes.clear()
    smtp.refuse_next = 0
    build_and_store(db, week, client=None, num_ctx=4096)
    return week


def _delivery(db, week) -> summaries.SummaryDelivery:
    with db.connect() as conn:
        return next(d for d in summaries.deliveries(conn, limit=10) if d.semana == week.label)


def _texto(db, week) -> str:
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT texto FROM resumos_semanais WHERE semana = :s"),
                            {"s": week.label}).scalar_one()


def test_a_new_summary_is_pending(db, stored_week):
    d = _delivery(db, stored_week)
    assert (d.status, d.enviado_em, d.destinatarios, d.tentativas_envio, d.ultimo_erro_envio) == \
        ("pendente", None, [], 0, None)


def test_a_refused_send_records_the_error_and_raises_then_a_retry_clears_it(db, stored_week, smtp):
    texto = _texto(db, stored_week)
    smtp.refuse_next = 1  # 451 for the first attempt
    with pytest.raises(smtplib.SMTPDataError):
        deliver(db, stored_week, recipients=RECIPIENTS, reenviar=False, automatic=True, send=_sender(smtp.port))
    failed = _delivery(db, stored_week)
    assert failed.status == "falhou" and failed.enviado_em is None and failed.tentativas_envio == 1
    assert "SMTPDataError" in failed.ultimo_erro_envio and "451" in failed.ultimo_erro_envio
    assert failed.ultimo_erro_em is not None and failed.destinatarios == RECIPIENTS
    assert _texto(db, stored_week) == texto and smtp.envelopes == []  # the summary is kept, nothing sent

    result = deliver(db, stored_week, recipients=RECIPIENTS, reenviar=False, automatic=True, send=_sender(smtp.port))
    assert result["enviado"] is True
    sent = _delivery(db, stored_week)
    assert sent.status == "enviado" and sent.enviado_em is not None and sent.tentativas_envio == 2
    assert (sent.ultimo_erro_envio, sent.ultimo_erro_em) == (None, None) and sent.destinatarios == RECIPIENTS
    [envelope] = smtp.envelopes
    assert sorted(envelope.rcpt_tos) == sorted(RECIPIENTS)


def test_smtp_down_records_the_error_and_keeps_the_summary(db, stored_week):
    with pytest.raises(ConnectionRefusedError):
        deliver(db, stored_week, recipients=RECIPIENTS[:1], reenviar=False, automatic=True,
                send=_sender(free_port()))  # nothing listens there
    d = _delivery(db, stored_week)
    assert d.status == "falhou" and "ConnectionRefusedError" in d.ultimo_erro_envio
    assert d.destinatarios == RECIPIENTS[:1] and d.tentativas_envio == 1 and _texto(db, stored_week)


def test_a_failed_resend_keeps_the_earlier_send(db, stored_week, smtp):
    deliver(db, stored_week, recipients=RECIPIENTS, reenviar=False, automatic=True, send=_sender(smtp.port))
    first = _delivery(db, stored_week).enviado_em
    smtp.refuse_next = 1
    with pytest.raises(smtplib.SMTPDataError):
        deliver(db, stored_week, recipients=RECIPIENTS, reenviar=True, automatic=False, send=_sender(smtp.port))
    d = _delivery(db, stored_week)
    assert d.status == "falhou" and d.enviado_em == first and d.tentativas_envio == 2


def test_deliveries_lists_newest_weeks_first_with_a_limit(db, week):
    weeks = [week.shift(-i) for i in range(3)]
    for w in weeks:
        build_and_store(db, w, client=None, num_ctx=4096)
    with db.connect() as conn:
        assert [d.semana for d in summaries.deliveries(conn, limit=2)] == [w.label for w in weeks[:2]]
