"""Errors the platform reports as one line, and how it turns any exception into one line."""

from __future__ import annotations


class ConfigError(ValueError):
    """A user mistake (option, configuration, path): reported as one line, exit status 2, nothing created."""


class DatasetError(ValueError):
    """A dataset that cannot be used at all (missing, empty, bad checksum): one line."""


class RegistrationError(ValueError):
    """A plugin registered something that breaks the contract; it is refused, the rest carries on."""


def one_line(exc: BaseException) -> str:
    """``Type: message`` with the message's whitespace folded onto one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
