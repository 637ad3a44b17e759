"""Threat: names posted with the comments ride into the alert e-mail.

The artist and album come from whoever posts comments: an artist named with an e-mail address and
a phone number must leave masked, and a line break stored in a name (before ingest refused them)
must neither break the Subject header (the e-mail was never sent, the alert stuck) nor fake an
alert line in the body.
"""

from __future__ import annotations

import email
import smtplib
from email import policy

import sqlalchemy as sa

from alumusic.alerts import service
from tests.support.alerts import AGORA, stream

CALM = [(60, 6)] * 6


def _send_through(smtp):
    def send(msg, recipients):
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=5) as s:
            s.send_message(msg, from_addr="insights@alumusic.local", to_addrs=recipients)
    return send


def _received(smtp) -> tuple[str, str, str]:
    [envelope] = smtp.envelopes
    msg = email.message_from_bytes(envelope.content, policy=policy.default)
    return msg["Subject"], msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_a_name_with_personal_data_leaves_the_alert_e_mail_masked(db, smtp):
    smtp.envelopes.clear()
    artista = "Banda fulana@x.com 11 98765-4321 cpf 529.982.247-25"
    stream(db, artista, [(60, 33), *CALM])
    service.detect(db, AGORA)
    sent = service.notify(db, recipients=["curadoria@alumusic.local"], dashboard_url=None, send=_send_through(smtp))
    assert sent["enviados"] == 1
    subject, text, page = _received(smtp)
    for part in (subject, text, page):
        assert "fulana@x.com" not in part and "98765-4321" not in part and "529.982.247-25" not in part
        assert "[e-mail]" in part and "[telefone]" in part and "[CPF]" in part
    with db.connect() as conn:  # the private area keeps the name as posted
        assert conn.execute(sa.text("SELECT artista FROM alertas")).scalar_one() == artista


def test_a_stored_line_break_in_a_name_is_one_line_in_the_alert_e_mail(db, smtp):
    smtp.envelopes.clear()
    stream(db, "Banda\r\nBcc: evil@x.com", [(60, 33), *CALM])
    service.detect(db, AGORA)
    sent = service.notify(db, recipients=["curadoria@alumusic.local"], dashboard_url=None, send=_send_through(smtp))
    assert sent["enviados"] == 1
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["curadoria@alumusic.local"]  # no Bcc smuggled in
    subject, text, _ = _received(smtp)
    assert subject.endswith("alta de críticas em Banda Bcc: [e-mail]")
    assert [line for line in text.splitlines() if line.startswith("- ")] == ["- Alta de críticas — Banda Bcc: [e-mail]"]
