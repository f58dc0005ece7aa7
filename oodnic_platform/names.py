"""One-line messages for a name that is not registered: the close matches first, then what there is."""

from __future__ import annotations

import difflib
from typing import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'jpeg'? "`` for a close match of ``name`` among ``known``, else ``""``."""
    close = difflib.get_close_matches(name.lower(), sorted(known), n=2, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""


def unknown(kind: str, name: str, known: Iterable[str], listed: str = "installed") -> str:
    """``unknown codec 'jpg' (did you mean 'jpeg'? installed: avif, jpeg, ...)``."""
    known = sorted(known)
    return f"unknown {kind} {name!r} ({did_you_mean(name, known)}{listed}: {', '.join(known) or 'none'})"
