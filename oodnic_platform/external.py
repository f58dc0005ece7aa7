"""External executables for codec plugins: find them, identify them, run them, probe what they support.

Public module for plugins that drive a command-line encoder/decoder (``bpg``, ``vtm``)::

    from oodnic_platform.external import ExecutableCodec, find_executable, output_of, run

- :func:`find_executable`: an explicit setting, else an environment variable, else PATH; one-line
  ``RuntimeError`` naming the path and the reason, or the plugin's install guidance.
- :func:`identify`: resolved path, version and SHA-256 of a binary; :class:`ExecutableCodec` builds
  a codec's ``unavailable_reason()``, ``version()`` and ``fingerprint()`` from them.
- :func:`output_of`, :func:`probe`: a help screen, or any fact about a binary (its encoders, bit
  depths), computed once.
- :func:`run`: no shell, stdin closed, a timeout that kills the whole process group, one-line
  ``RuntimeError`` for a signal, an exit status, a timeout or an expected output file not written.

Identities and probes are cached per process by (resolved path, size, mtime_ns): a rebuilt binary
is identified afresh, an unchanged one costs a ``stat``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from .codec import Codec
from .files import cached_digest

__all__ = ["ExecutableCodec", "Identity", "find_executable", "first_line", "identify", "output_of", "probe", "run"]

T = TypeVar("T")
_CACHE: dict[tuple[str, int, int, str], object] = {}


def find_executable(name: str, setting: str = "", *, env: str = "", env_is_dir: bool = False, guidance: str = "") -> str:
    """Absolute path of executable ``name``: ``setting`` if given, else ``$env``, else PATH.

    ``setting`` and ``$env`` are paths (a bare name in ``setting`` is looked up on PATH); with
    ``env_is_dir`` the variable names the folder holding ``name``. Raises ``RuntimeError`` with one
    line: a path that is missing, a folder or not executable is named with the reason; nothing
    found at all gives ``guidance`` (how to install it).
    """
    tail = f"; {guidance}" if guidance else ""
    if setting:
        given, origin = shutil.which(setting) if os.sep not in setting else setting, "setting"
        if given is None:
            raise RuntimeError(f"{name}: {setting!r} (setting) is not on PATH{tail}")
    elif env and os.environ.get(env):
        given, origin = os.environ[env], f"${env}"
        if env_is_dir:
            given = os.path.join(given, name)
    else:
        given, origin = shutil.which(name), "PATH"
        if given is None:
            where = ", ".join(["setting", f"${env}", "PATH"] if env else ["setting", "PATH"])
            raise RuntimeError(f"{name} not found ({where}){tail}")
    path = os.path.abspath(given)
    if not os.path.exists(path):
        raise RuntimeError(f"{name} not found: {path} (from {origin}) does not exist{tail}")
    if os.path.isdir(path):
        raise RuntimeError(f"{name}: {path} (from {origin}) is a folder, not an executable")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"permission denied: {path} is not executable (from {origin})")
    return path


@dataclass(frozen=True)
class Identity:
    """What identifies a binary's output: its resolved path, version string and file hash."""

    path: str
    version: str
    sha256: str


def probe(path: str, what: str, compute: Callable[[str], T]) -> T:
    """``compute(path)``, computed once per process for this file (keyed by ``what``, path, size, mtime_ns)."""
    real = os.path.realpath(path)
    stat = os.stat(real)
    key = (real, stat.st_size, stat.st_mtime_ns, what)
    if key not in _CACHE:
        _CACHE[key] = compute(real)
    return _CACHE[key]  # type: ignore[return-value]


def output_of(path: str, args: Sequence[str], timeout_s: float = 60) -> str:
    """stdout and stderr of ``path *args`` (a help or version screen), whatever the exit status; once per binary."""

    def compute(real: str) -> str:
        try:
            proc = subprocess.run(
                [real, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout_s, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"{Path(path).name} {' '.join(args)} could not be run: {exc}") from None
        return (proc.stdout + proc.stderr).decode(errors="replace")

    return probe(path, "output of " + " ".join(args), compute)


def identify(path: str, version_args: Sequence[str], parse_version: Callable[[str], str | None]) -> Identity:
    """Resolved path, version (``parse_version`` of :func:`output_of` ``version_args``) and SHA-256."""
    version = parse_version(output_of(path, version_args)) or "unknown"
    return probe(path, "identity " + version, lambda real: Identity(real, version, cached_digest(real)))


class ExecutableCodec(Codec):
    """A codec that runs executables: availability, ``version()`` and ``fingerprint()`` from their identities.

    Set ``executables`` (their names), ``version_args`` and ``parse_version`` (for :func:`identify`)
    and implement :meth:`tool` (usually :func:`find_executable` with the codec's setting).
    """

    executables: tuple[str, ...] = ()
    version_args: tuple[str, ...] = ("--help",)

    @staticmethod
    def parse_version(text: str) -> str | None:
        """The version in the output of ``executable *version_args``."""
        raise NotImplementedError

    def tool(self, name: str) -> str:
        """Path of executable ``name``; ``RuntimeError`` with one line (reason, install guidance) when unusable."""
        raise NotImplementedError

    def identities(self) -> dict[str, Identity]:
        """Resolved path, version and SHA-256 of each executable (computed once per binary and process)."""
        return {name: identify(self.tool(name), self.version_args, self.parse_version) for name in self.executables}

    def unavailable_reason(self) -> str | None:
        try:
            self.identities()
        except RuntimeError as exc:
            return str(exc).splitlines()[0]
        return None

    def version(self) -> str:
        try:
            return ", ".join(f"{name} {identity.version}" for name, identity in self.identities().items())
        except RuntimeError:
            return "unavailable"

    def fingerprint(self, qualities: Sequence[Any] | None = None) -> dict[str, str]:
        """Each executable's SHA-256, so results change when a binary does; ``{}`` if missing."""
        try:
            return {name: f"sha256:{identity.sha256}" for name, identity in self.identities().items()}
        except RuntimeError:
            return {}

    def provenance(self) -> dict[str, str]:
        """Each executable's resolved path (recorded per row; a copy elsewhere gives the same rows)."""
        try:
            return {name: identity.path for name, identity in self.identities().items()}
        except RuntimeError:
            return {}


def run(
    args: Sequence[str | os.PathLike],
    *,
    timeout_s: float,
    outputs: Sequence[Path] = (),
    cwd: str | os.PathLike | None = None,
) -> subprocess.CompletedProcess:
    """Run ``args`` without a shell, stdin closed, output captured; check each file in ``outputs`` was written.

    Raises ``RuntimeError`` with one line: killed by a signal (named), a non-zero exit status with
    the tool's first error line, the timeout passed (the process group is killed), or an expected
    output file missing or empty.
    """
    argv = [os.fspath(a) for a in args]
    name = Path(argv[0]).name
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=cwd, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        raise RuntimeError(f"{name} could not be started: {exc.strerror or exc}") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise RuntimeError(f"{name} did not finish within {timeout_s:g} s and was killed") from None
    except BaseException:
        _kill_group(proc)
        raise
    completed = subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)
    message = first_line(stderr, stdout)
    if proc.returncode < 0:
        detail = f": {message}" if message else ""
        raise RuntimeError(f"{name} was killed by {_signal_name(-proc.returncode)}{detail}")
    if proc.returncode > 0:
        raise RuntimeError(f"{name} failed with exit status {proc.returncode}: {message or 'no message'}")
    for output in outputs:
        if not Path(output).exists():
            raise RuntimeError(f"{name} exited 0 but wrote no output file")
        if Path(output).stat().st_size == 0:
            raise RuntimeError(f"{name} exited 0 but wrote an empty output file")
    return completed


def first_line(stderr: bytes, stdout: bytes = b"") -> str:
    """The first non-empty line of ``stderr``, else the last of ``stdout`` (where tools print their error)."""
    for text, pick in ((stderr, 0), (stdout, -1)):
        lines = [line.strip() for line in text.decode(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[pick]
    return ""


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"

