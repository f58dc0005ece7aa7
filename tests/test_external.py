"""oodnic_platform.external with stand-in executables: small shell scripts that crash, hang or lie."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from oodnic_platform.external import ExecutableCodec, find_executable, first_line, identify, output_of, probe, run

GUIDANCE = "build it with make"


def script(path: Path, body: str, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    """PATH holding only an empty folder, and no $OODNIC_TOOL."""
    folder = tmp_path / "path"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("OODNIC_TOOL", raising=False)
    return folder


def test_setting_then_environment_then_path(tmp_path, bare_path, monkeypatch):
    on_path = script(bare_path / "tool", "exit 0")
    from_env = script(tmp_path / "env" / "tool", "exit 0")
    from_setting = script(tmp_path / "setting" / "tool", "exit 0")
    assert find_executable("tool", env="OODNIC_TOOL") == str(on_path)
    monkeypatch.setenv("OODNIC_TOOL", str(from_env))
    assert find_executable("tool", env="OODNIC_TOOL") == str(from_env)
    assert find_executable("tool", str(from_setting), env="OODNIC_TOOL") == str(from_setting)


def test_environment_may_name_the_folder(tmp_path, bare_path, monkeypatch):
    tool = script(tmp_path / "bin" / "tool", "exit 0")
    monkeypatch.setenv("OODNIC_TOOL", str(tool.parent))
    assert find_executable("tool", env="OODNIC_TOOL", env_is_dir=True) == str(tool)


def test_missing_everywhere_gives_the_install_guidance(bare_path):
    with pytest.raises(RuntimeError) as err:
        find_executable("tool", env="OODNIC_TOOL", guidance=GUIDANCE)
    assert str(err.value) == "tool not found (setting, $OODNIC_TOOL, PATH); build it with make"


def test_a_wrong_path_is_named_with_its_origin(tmp_path, bare_path, monkeypatch):
    monkeypatch.setenv("OODNIC_TOOL", str(tmp_path / "nowhere"))
    with pytest.raises(RuntimeError, match=rf"^tool not found: {tmp_path}/nowhere \(from \$OODNIC_TOOL\) does not exist"):
        find_executable("tool", env="OODNIC_TOOL", guidance=GUIDANCE)
    with pytest.raises(RuntimeError, match=r"is a folder"):
        find_executable("tool", str(tmp_path))


def test_a_file_that_is_not_executable_is_reported_as_such(tmp_path, bare_path):
    plain = script(tmp_path / "x" / "bpgenc", "exit 0", executable=False)
    with pytest.raises(RuntimeError) as err:
        find_executable("bpgenc", str(plain), guidance=GUIDANCE)
    assert str(err.value) == f"permission denied: {plain} is not executable (from setting)"


def test_identity_is_path_version_and_hash_and_changes_with_the_file(tmp_path):
    tool = script(tmp_path / "tool", 'echo "Tool version 1.2"; exit 1')
    parse = lambda text: text.split("version ")[1].split()[0] if "version " in text else None  # noqa: E731
    first = identify(str(tool), ["-h"], parse)
    assert first.path == str(tool) and first.version == "1.2" and len(first.sha256) == 64
    script(tool, 'echo "Tool version 1.3"; exit 1')
    os.utime(tool, ns=(time.time_ns(), time.time_ns() + 10**9))  # a rebuilt binary: new mtime
    second = identify(str(tool), ["-h"], parse)
    assert second.version == "1.3" and second.sha256 != first.sha256


class ToolCodec(ExecutableCodec):
    """A codec skeleton running one executable, ``tool``, given by the ``path`` setting."""

    name = "tool-codec"
    executables = ("tool",)
    version_args = ("-h",)
    parse_version = staticmethod(lambda text: text.split()[-1] if text.startswith("Tool") else None)
    path = ""

    def tool(self, name: str) -> str:
        return find_executable(name, self.path, guidance=GUIDANCE)


def test_an_executable_codec_reports_availability_version_and_fingerprint(tmp_path, bare_path):
    tool = script(tmp_path / "tool", 'echo "Tool 2.5"')
    codec = ToolCodec()
    codec.path = str(tool)
    assert codec.unavailable_reason() is None and codec.version() == "tool 2.5"
    identity = identify(str(tool), ["-h"], ToolCodec.parse_version)
    assert codec.fingerprint() == {"tool": f"sha256:{identity.sha256}"}  # content only: part of rows' keys
    assert codec.provenance() == {"tool": identity.path}  # where it is: recorded, not keyed
    codec.path = str(tmp_path / "gone")
    assert codec.unavailable_reason().startswith(f"tool not found: {tmp_path}/gone (from setting) does not exist")
    assert codec.version() == "unavailable" and codec.fingerprint() == {}


def test_a_help_screen_that_cannot_be_run_is_one_line(tmp_path):
    broken = tmp_path / "tool"
    broken.write_text("#!/nonexistent/interpreter\n")
    broken.chmod(0o755)
    with pytest.raises(RuntimeError, match="^tool -h could not be run: .*No such file or directory"):
        output_of(str(broken), ["-h"])


def test_probes_run_once_per_file(tmp_path):
    tool = script(tmp_path / "tool", "exit 0")
    calls = []
    for _ in range(3):
        assert probe(str(tool), "encoders", lambda p: calls.append(p) or ("x265",)) == ("x265",)
    assert calls == [str(tool)]


def test_a_crash_is_named_by_its_signal(tmp_path):
    tool = script(tmp_path / "bpgenc", "kill -SEGV $$")
    with pytest.raises(RuntimeError) as err:
        run([tool], timeout_s=30)
    assert str(err.value) == "bpgenc was killed by SIGSEGV"


def test_a_failure_gives_its_exit_status_and_first_error_line(tmp_path):
    tool = script(tmp_path / "tool", 'echo progress; echo "Could not open input" >&2; echo more >&2; exit 3')
    with pytest.raises(RuntimeError) as err:
        run([tool], timeout_s=30)
    assert str(err.value) == "tool failed with exit status 3: Could not open input"


def test_an_output_file_not_written_is_reported_without_its_temporary_path(tmp_path):
    tool = script(tmp_path / "bpgenc", "exit 0")
    with pytest.raises(RuntimeError) as err:
        run([tool], timeout_s=30, outputs=[tmp_path / "out.bpg"])
    assert str(err.value) == "bpgenc exited 0 but wrote no output file"
    (tmp_path / "out.bpg").write_bytes(b"")
    with pytest.raises(RuntimeError, match="^bpgenc exited 0 but wrote an empty output file$"):
        run([tool], timeout_s=30, outputs=[tmp_path / "out.bpg"])


def test_a_hanging_tool_and_its_children_are_killed_at_the_timeout(tmp_path):
    tool = script(tmp_path / "tool", "sleep 60 & sleep 60; wait")
    start = time.monotonic()
    with pytest.raises(RuntimeError) as err:
        run([tool], timeout_s=0.5)
    assert time.monotonic() - start < 10  # the backgrounded sleep holds the pipes: the whole group must die
    assert str(err.value) == "tool did not finish within 0.5 s and was killed"


def test_success_returns_the_output_and_runs_without_a_shell(tmp_path):
    tool = script(tmp_path / "tool", 'printf "%s|" "$@"; read line || echo "stdin closed"')
    done = run([tool, "a b", "$HOME", ";"], timeout_s=30)
    assert done.stdout.decode() == "a b|$HOME|;|stdin closed\n"


def test_a_tool_that_cannot_start_is_one_line(tmp_path):
    broken = tmp_path / "tool"
    broken.write_text("#!/nonexistent/interpreter\n")
    broken.chmod(0o755)
    with pytest.raises(RuntimeError, match="^tool could not be started: No such file or directory$"):
        run([broken], timeout_s=30)


def test_first_line_prefers_stderr_then_the_last_stdout_line():
    assert first_line(b"\n  oops \nsecond\n", b"banner\n") == "oops"
    assert first_line(b"", b"banner\nError: bad option\n") == "Error: bad option"
    assert first_line(b"", b"") == ""
