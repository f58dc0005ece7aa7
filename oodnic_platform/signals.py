"""SIGINT and SIGTERM stop a command the same way, whatever its parent did to their handlers.

A command started with ``&`` from a script inherits SIGINT ignored, and a batch
scheduler stops jobs with SIGTERM, which by default ends Python without
unwinding. :func:`stop_on_signals` makes both raise :class:`Interrupted` in the
main thread, so the transaction in progress rolls back, every committed chunk
stays, and the CLI prints how to resume.
"""

from __future__ import annotations

import signal

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The command was stopped by ``signum``."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def stop_on_signals() -> None:
    """SIGINT and SIGTERM raise :class:`Interrupted` (also when they were ignored when this process started)."""
    for signum in SIGNALS:
        signal.signal(signum, _raise)


def exit_status(error: BaseException) -> int:
    """128 + the signal's number, as a shell reports a process the signal ended (SIGINT: 130, SIGTERM: 143;
    click's Abort and a plain Ctrl-C count as SIGINT)."""
    return 128 + getattr(error, "signum", signal.SIGINT)
