"""A local SMTP sink for the development stack (``make run``): every message becomes an ``.eml`` file.

    python scripts/mailsink.py --port 1025 --dir .data/mail

Development only (aiosmtpd is a dev dependency; the image does not ship this file). It accepts any
sender and recipient on loopback, without authentication or TLS, and writes each message atomically
(temporary file, then rename) as ``<UTC time>-<id>.eml`` with ``X-Envelope-From``/``X-Envelope-To``
headers prepended, so a mail client or ``cat`` shows exactly what would have been sent.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path


class EmlWriter:
    """aiosmtpd handler: keep each DATA as an .eml file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        head = (f"X-Envelope-From: {envelope.mail_from}\r\n"
                f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(head + content)
        os.replace(tmp, self.folder / name)
        print(f"mail from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)} -> {name}", flush=True)
        return "250 OK"


def main(argv: list[str] | None = None) -> int:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path(".data") / "mail")
    args = parser.parse_args(argv)

    controller = Controller(EmlWriter(args.dir), hostname=args.host, port=args.port)
    controller.start()  # raises when the port is taken: supervisord retries with backoff
    print(f"SMTP sink on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
