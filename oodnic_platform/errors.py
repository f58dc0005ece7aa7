"""Errors the platform reports as one line, how it turns any exception into one line, and "did you mean"."""

from __future__ import annotations

import difflib
from typing import Iterable


class ConfigError(ValueError):
    """A user mistake (option, configuration, path): reported as one line, exit status 2, nothing created."""


class DatasetError(ValueError):
    """A dataset that cannot be used at all (missing, empty, bad checksum): one line."""


class RegistrationError(ValueError):
    """A plugin registered something that breaks the contract; it is refused, the rest carries on."""


class ContractBreach(ValueError):
    """A plugin handed the platform something the contract rules out (a grey decode, a NaN metric value)."""


def one_line(exc: BaseException) -> str:
    """``Type: message`` with the message's whitespace folded onto one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'jpeg'? "`` for a close match of ``name`` among ``known``, else ``""``."""
    close = difflib.get_close_matches(name.lower(), sorted(known), n=2, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""


def unknown(kind: str, name: str, known: Iterable[str], listed: str = "installed") -> str:
    """``unknown codec 'jpg' (did you mean 'jpeg'? installed: avif, jpeg, ...)``."""
    known = sorted(known)
    return f"unknown {kind} {name!r} ({did_you_mean(name, known)}{listed}: {', '.join(known) or 'none'})"
