"""A real SMTP server for tests (a pytest plugin, see tests/conftest.py): aiosmtpd on loopback.

``smtp`` (one per test module) keeps every envelope in ``smtp.envelopes``; ``smtp.refuse_next = N``
makes it answer the next N messages with a temporary failure (451), to test retries.
"""

from __future__ import annotations

import socket

import pytest


def free_port() -> int:
    # aiosmtpd's Controller cannot bind port 0 itself: pick a free one first.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every envelope; can refuse the next N messages with a 451."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse_next = 0
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 Temporary failure, try again later"
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()
