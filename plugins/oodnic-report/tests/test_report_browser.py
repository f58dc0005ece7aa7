"""report.html in headless Chromium (Debian's package) at 1280 px: every image loads, the console stays silent,
and no element is wider than the viewport.

A copy of the page with a checking script injected first in <head> records
failed loads and script errors, and on ``load`` writes into the DOM every
image's naturalWidth and every element that reaches past the viewport, which
``--dump-dom`` prints. Chromium logs console messages on stderr (``CONSOLE``).
A full-page screenshot of the real page at 1280 px is saved in the test's tmp
folder (path printed; ``OODNIC_REPORT_SCREENSHOT=FILE`` copies it there).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_testing import make_report, make_run

WIDTH = 1280
CHECK = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(
  e.message || (e.target && (e.target.src || e.target.href)) || "unknown error"), true);
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll("*")].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5);
  }).map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
  const pre = document.createElement("pre");
  pre.id = "oodnic-check";
  pre.textContent = JSON.stringify({
    images: [...document.images].map(i => ({src: i.getAttribute("src"), width: i.naturalWidth})),
    errors: window.__errors, height: document.documentElement.scrollHeight, viewport: width,
    scrollWidth: document.documentElement.scrollWidth, wide: wide});
  document.body.appendChild(pre);
});
</script>"""
MAX_SHOT_HEIGHT = 16000


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.getbasetemp() / "oodnic-report-run")


def test_report_fits_1280_px_loads_every_image_and_keeps_the_console_silent(run_dir, tmp_path):
    binary = chromium_binary()
    if binary is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    page = make_report(run_dir, anchor="fixture_jpeg").path
    check = page.with_name("browser-check.html")
    check.write_text(page.read_text().replace("<head>", "<head>\n" + CHECK, 1))
    try:
        loaded = chromium(binary, tmp_path / "profile", f"--window-size={WIDTH},900", "--virtual-time-budget=20000",
                          "--dump-dom", check.as_uri())
    finally:
        check.unlink()
    found = re.search(r'<pre id="oodnic-check">(.*?)</pre>', loaded.stdout, re.S)
    assert found, f"the page did not finish loading: {loaded.stderr[-2000:]}"
    state = json.loads(html.unescape(found.group(1)))
    expected = len(re.findall(r"<img ", page.read_text()))
    assert len(state["images"]) == expected > 40
    assert [i["src"] for i in state["images"] if i["width"] <= 0] == []
    assert state["errors"] == []
    assert [line for line in loaded.stderr.splitlines() if ":CONSOLE" in line] == []
    assert state["viewport"] == WIDTH
    assert state["wide"] == [] and state["scrollWidth"] <= WIDTH, state["wide"][:10]

    shot = tmp_path / "report-screenshot.png"
    height = min(int(state["height"]), MAX_SHOT_HEIGHT)
    taken = chromium(binary, tmp_path / "profile", f"--window-size={WIDTH},{height}", f"--screenshot={shot}",
                     page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 50_000, taken.stderr[-2000:]
    if os.environ.get("OODNIC_REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["OODNIC_REPORT_SCREENSHOT"])
    print(f"screenshot: {shot}")
