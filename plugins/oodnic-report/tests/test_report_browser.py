"""report.html in headless Chromium (Debian's package) at 1280 px: every image loads, the console stays silent,
and no element is wider than the viewport; the figures' SVGs: every text at least 8 pt at the size the figure
is saved (its print size), each codec one colour and one marker in every figure, a PDF beside each.

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
from report_testing import make_planted_rate_run, make_report, make_run

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


#: matplotlib writes each text as glyph paths after a comment naming it, scaled to its size: scale(size / 100)
SVG_TEXT = re.compile(r'<!-- (.*?) -->\s*<g transform="[^"]*?scale\(([0-9.e-]+) -[0-9.e-]+\)"', re.S)
LEGEND_ENTRY = re.compile(r"<!-- (.*?) -->")


def svg_texts(svg: str) -> list[tuple[str, float]]:
    """(text, size in pt) of every text of a matplotlib SVG (its units are points)."""
    found = [(text, 100.0 * float(scale)) for text, scale in SVG_TEXT.findall(svg)]
    assert len(found) == svg.count("<!-- "), "a text not drawn as scaled glyphs"
    return found


def legend_styles(svg: str) -> dict[str, tuple[str, str | None]]:
    """Label -> (colour, marker id) of every legend entry: the last stroke colour and marker drawn before it."""
    out = {}
    for legend in re.split(r'<g id="legend_\d+">', svg)[1:]:
        legend = re.split(r'<g id="axes_\d+">', legend)[0]
        start = 0
        for entry in LEGEND_ENTRY.finditer(legend):
            drawn = legend[start:entry.start()]
            colours = re.findall(r"stroke: (#[0-9a-f]{6})", drawn)
            markers = re.findall(r'xlink:href="#(m[0-9a-f]+)"', drawn)
            if colours:
                out[entry.group(1)] = (colours[-1], markers[-1] if markers else None)
            start = entry.end()
    return out


def test_figures_have_8_pt_text_at_print_size_one_style_per_codec_and_a_pdf(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    reports = [make_report(make_run(base / "oodnic-report-run"), anchor="fixture_jpeg"),
               make_report(make_planted_rate_run(base / "oodnic-report-rates"), anchor="planted_anchor", log_bpp=True)]
    for report in reports:
        out = report.path.parent
        codecs = {line.split(",")[0] for line in (out / "codecs.csv").read_text().splitlines()[1:]}
        seen: dict[str, set] = {}
        for figure in report.figures:
            svg = (out / figure.svg).read_text()
            small = [(text, round(size, 2)) for text, size in svg_texts(svg) if size < 8.0 - 1e-6]
            assert small == [], f"{figure.svg}: text under 8 pt: {small[:5]}"
            assert (out / figure.pdf).read_bytes().startswith(b"%PDF")
            for label, style in legend_styles(svg).items():
                if label in codecs:
                    seen.setdefault(label, set()).add(style)
        assert len(seen) >= 2 and all(len(styles) == 1 for styles in seen.values()), seen
        assert len({style for styles in seen.values() for style in styles}) == len(seen)  # codecs tell apart
    log_axis = (reports[1].path.parent / "figures" / "rd-psnr-by-input.svg").read_text()
    assert {"100", "200", "300"} & {text for text, _ in svg_texts(log_axis)} == {"100"}  # log decades, plain numbers
