"""A tiny terminal progress bar, with no dependencies.

On a terminal it redraws one line in place; anywhere else (a log file, CI, a
pipe) it writes a plain line every few seconds and one at the end, so logs stay
readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
# Redraws faster than this only cost time; plain lines are for logs, so fewer.
TTY_REDRAW_SECONDS = 0.1
PLAIN_LINE_SECONDS = 5.0


class ProgressBar:
    """Show how far a job of ``total`` steps has come, and how fast it goes.

    Use ``update(n)`` after each chunk of work and ``close()`` at the end, or use
    it as a context manager.
    """

    def __init__(
        self, total: int, label: str = "", stream: TextIO | None = None
    ) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.is_tty = bool(isatty and isatty())
        self.count = 0
        self.started = time.monotonic()
        # The first draw waits one interval too: a rate over no time means nothing.
        self._last_draw = self.started
        self._closed = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        """Record ``n`` more steps done and redraw if it is time to."""
        self.count += n
        now = time.monotonic()
        interval = TTY_REDRAW_SECONDS if self.is_tty else PLAIN_LINE_SECONDS
        if now - self._last_draw >= interval:
            self._last_draw = now
            self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._draw(time.monotonic(), final=True)

    def _draw(self, now: float, final: bool = False) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.count / elapsed
        if self.total:
            fraction = min(self.count / self.total, 1.0)
            counts = f"{self.count:,}/{self.total:,}"
        else:
            fraction = 1.0 if final else 0.0
            counts = f"{self.count:,}"
        label = f"{self.label} " if self.label else ""
        stats = f"{fraction:4.0%} {counts} {rate:,.0f}/s {elapsed:.1f}s"
        if self.is_tty:
            filled = round(fraction * BAR_WIDTH)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            line = f"\r{label}[{bar}] {stats}\x1b[K"
            self.stream.write(line + ("\n" if final else ""))
        else:
            self.stream.write(f"{label}{stats}\n")
        self.stream.flush()
