"""Exceptions that must be importable without torch or CompressAI."""

from __future__ import annotations


class CheckpointError(ValueError):
    """A checkpoint that cannot (or must not) be loaded; the message is one line."""
