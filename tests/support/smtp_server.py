"""A real SMTP server for the tests, that refuses tries when asked.

aiosmtpd runs on a thread of the test process, on 127.0.0.1 and a free port.
The session's Celery worker sends its emails here (``tests/conftest.py``
starts this server before the worker and gives the worker its address), and
so can an in-process test that points ``EMAIL_DELIVERY_BACKEND`` at it.

``refuse(address, times=n)`` makes the next ``n`` tries of a message to that
address fail with ``451 4.3.0`` at the end of DATA, as a busy mail server
answers (a temporary failure: the sender should try again later); the try
after them is accepted. ``pause(address, seconds=s)`` answers such messages
only after ``s`` seconds. Every try is recorded with its time, so tests can
check how many arrived, when, and what each carried.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

REFUSAL = "451 4.3.0 Mailbox busy, try again later"


@dataclass(frozen=True)
class Try:
    """One message the server was handed, and its answer."""

    at: float  # time.monotonic() when the DATA ended
    mail_from: str
    recipients: tuple[str, ...]
    accepted: bool
    message: EmailMessage


class SmtpServer:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._lock = threading.Lock()
        self._refusals: dict[str, int] = {}
        self._pauses: dict[str, float] = {}
        self._tries: list[Try] = []
        self._controller = Controller(self, hostname=self.host, port=self.port)

    # --- what tests call ---------------------------------------------------------

    def refuse(self, address: str, *, times: int) -> None:
        """Refuse the next ``times`` tries of messages to ``address`` (451)."""
        with self._lock:
            self._refusals[address.lower()] = times

    def pause(self, address: str, *, seconds: float) -> None:
        """Answer messages to ``address`` only after ``seconds`` (a slow server)."""
        with self._lock:
            self._pauses[address.lower()] = seconds

    def tries_to(self, address: str) -> list[Try]:
        address = address.lower()
        with self._lock:
            return [t for t in self._tries if address in t.recipients]

    def received_by(self, address: str) -> list[EmailMessage]:
        """The messages to ``address`` the server accepted, in order."""
        return [t.message for t in self.tries_to(address) if t.accepted]

    def wait_for(
        self, address: str, *, count: int = 1, timeout: float = 30
    ) -> list[EmailMessage]:
        """Wait until ``count`` messages to ``address`` were accepted; return them.

        Fails the test with what arrived when they do not come in time.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.received_by(address)
            if len(received) >= count:
                return received
            time.sleep(0.05)
        tries = [(t.accepted, t.message["Subject"]) for t in self.tries_to(address)]
        raise AssertionError(
            f"{count} message(s) to {address} not accepted within {timeout} s; "
            f"tries so far (accepted, subject): {tries}"
        )

    # --- aiosmtpd's handler --------------------------------------------------------

    async def handle_DATA(self, server, session, envelope) -> str:
        recipients = tuple(address.lower() for address in envelope.rcpt_tos)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            pause = max((self._pauses.get(r, 0) for r in recipients), default=0)
        if pause:
            await asyncio.sleep(pause)
        with self._lock:
            refused = [r for r in recipients if self._refusals.get(r, 0) > 0]
            for address in refused:
                self._refusals[address] -= 1
            self._tries.append(
                Try(
                    at=time.monotonic(),
                    mail_from=envelope.mail_from,
                    recipients=recipients,
                    accepted=not refused,
                    message=message,
                )
            )
        return REFUSAL if refused else "250 2.0.0 OK"

    # --- life ----------------------------------------------------------------------

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running() -> Iterator[SmtpServer]:
    """Run an SMTP server for the duration of a ``with``/fixture body."""
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
