"""The report page: one HTML file, inline CSS, no script, images by relative path; nothing wider than the page."""

from __future__ import annotations

import re
from html import escape

from .model import CropGrid, Figure, Note, Section, Skip, Table, TileGrid

CSS = """
*, *::before, *::after { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 1em 1.5em 4em; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: .2em; overflow-wrap: anywhere; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
h4 { font-size: .95em; margin: 1em 0 .3em; }
p, li, dd, figcaption { overflow-wrap: break-word; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption, .caption { font-size: .9em; color: #444; max-width: 60em; }
table { border-collapse: collapse; font-size: .8em; margin: .5em 0; max-width: 100%; }
th, td { border: 1px solid #ddd; padding: .2em .45em; text-align: left; overflow-wrap: break-word; }
td.num { text-align: right; }
th { background: #f4f4f4; }
ol.notes { font-size: .8em; color: #444; margin-top: .2em; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ul.skipped li { margin: .2em 0; font-size: .9em; }
nav ol { columns: 2; }
table.tiles td { text-align: center; font-size: .85em; white-space: nowrap; vertical-align: top; }
table.tiles td.empty { vertical-align: middle; color: #666; white-space: normal; }
img.tile { width: 120px; height: auto; image-rendering: pixelated; display: block; margin: 0 auto; }
img.bar { width: 200px; height: 12px; vertical-align: middle; }
.crop-grid > label { margin-right: 1em; font-size: .9em; }
.crops { display: flex; flex-wrap: wrap; gap: .6em; }
.crop { margin: 0; max-width: 260px; font-size: .75em; }
.stack { position: relative; line-height: 0; }
.stack img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; border: 0; }
.stack img + img { position: absolute; top: 0; left: 0; }
.stack:hover img.rec { visibility: hidden; }
#view-given:checked ~ .crops img.rec, #view-clean:checked ~ .crops img.rec,
#view-clean:checked ~ .crops img.given { visibility: hidden; }
"""


def anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _figure(item: Figure, number: int) -> str:
    return (
        f'<figure id="fig-{number}">\n<a href="{escape(item.svg)}"><img src="{escape(item.png)}" '
        f'alt="{escape(item.title)}"></a>\n<figcaption><b>Figure {number}. {escape(item.title)}.</b> '
        f'{escape(item.caption)} <a href="{escape(item.svg)}">SVG</a> <a href="{escape(item.pdf)}">PDF</a>'
        "</figcaption>\n</figure>"
    )


NUMERIC = re.compile(r"^[-+]?(\d[\d.]*(e[-+]?\d+)?%?( dB)?|n/a|inf|-inf)( \[[\d,]+\])?( / .*)?$")


def _cell(value: str) -> str:
    """A table cell; numbers (and n/a) right-aligned."""
    numeric = NUMERIC.match(value) is not None
    return f'<td class="num">{escape(value)}</td>' if numeric else f"<td>{escape(value)}</td>"


def _table(item: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in item.columns)
    body = "\n".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in item.rows)
    link = f' <a href="{escape(item.csv)}">CSV</a>' if item.csv else ""
    notes = ""
    if item.notes:
        notes = '<ol class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in item.notes) + "</ol>"
    return (f"<h3>{escape(item.title)}</h3>\n<p class=\"caption\">{escape(item.caption)}{link}</p>\n<table>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>\n{notes}")


def _crops(item: CropGrid) -> str:
    # the radio buttons are siblings of the .crops rows, so the CSS above can switch every card
    views = "".join(f'<input type="radio" name="crop-view" id="view-{key}"{" checked" if key == "rec" else ""}>'
                    f'<label for="view-{key}">{label}</label>'
                    for key, label in (("rec", "reconstruction"), ("given", "codec input"), ("clean", "clean image")))
    parts = [f"<h3>{escape(item.title)}</h3>", f'<p class="caption">{escape(item.caption)}</p>',
             f'<div class="crop-grid"><span class="views">Show:</span> {views}']
    for row in item.rows:
        parts.append(f"<h4>{escape(row.title)}</h4>")
        cards = []
        for crop in row.crops:
            layers = [(crop.clean, "clean", "clean image"), (crop.given, "given", "codec input"),
                      (crop.reconstruction, "rec", "reconstruction")]
            images = "".join(f'<img class="{cls}" src="{escape(src)}" alt="{escape(crop.label)}: {what}">'
                             for src, cls, what in layers if src)
            stack = f'<div class="stack">{images}</div>' if images else ""
            cards.append(f'<figure class="crop">{stack}<figcaption><b>{escape(crop.label)}</b>: '
                         f"{escape(crop.text)}</figcaption></figure>")
        parts.append('<div class="crops">' + "".join(cards) + "</div>")
    parts.append("</div>")
    return "\n".join(parts)


def _tiles(item: TileGrid) -> str:
    head = "<th></th>" + "".join(f"<th>{escape(c)}</th>" for c in item.columns)
    rows = []
    for label, tiles in item.rows:
        cells = "".join(
            f'<td><img class="tile" src="{escape(t.src)}" alt="{escape(label)}: {escape(c)}"><br>{escape(t.text)}</td>'
            if t.src else f'<td class="empty">{escape(t.text)}</td>' for c, t in zip(item.columns, tiles))
        rows.append(f"<tr><th>{escape(label)}</th>{cells}</tr>")
    legend = (f'<p class="caption">Colour bar of every tile (dark: low end, bright: high end of its printed scale): '
              f'<img class="bar" src="{escape(item.legend)}" alt="colour bar"></p>') if item.legend else ""
    return (f"<h3>{escape(item.title)}</h3>\n<p class=\"caption\">{escape(item.caption)}</p>\n{legend}"
            f'<table class="tiles">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{chr(10).join(rows)}\n</tbody></table>')


def render(title: str, facts: list[tuple[str, str]], sections: list[Section], skipped: list[Skip]) -> str:
    """The whole page; figures are numbered in order of appearance."""
    parts, toc, number = [], [], 0
    for section in sections:
        toc.append(f'<li><a href="#{anchor(section.title)}">{escape(section.title)}</a></li>')
        parts.append(f'<section id="{anchor(section.title)}">\n<h2>{escape(section.title)}</h2>')
        for item in section.items:
            if isinstance(item, Figure):
                number += 1
                parts.append(_figure(item, number))
            elif isinstance(item, Table):
                parts.append(_table(item))
            elif isinstance(item, TileGrid):
                parts.append(_tiles(item))
            elif isinstance(item, CropGrid):
                parts.append(_crops(item))
            elif isinstance(item, Note):
                link = f' <a href="{escape(item.link)}">{escape(item.link)}</a>' if item.link else ""
                parts.append(f"<p>{escape(item.text)}{link}</p>")
        parts.append("</section>")
    toc.append('<li><a href="#skipped">Skipped</a></li>')
    facts_html = "\n".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    skipped_html = "\n".join(f"<li><b>{escape(s.item)}</b>: {escape(s.reason)}</li>" for s in skipped)
    skipped_html = f'<ul class="skipped">\n{skipped_html}\n</ul>' if skipped else "<p>Nothing was skipped.</p>"
    body = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<dl class="facts">
{facts_html}
</dl>
<nav><ol>
{chr(10).join(toc)}
</ol></nav>
{body}
<section id="skipped">
<h2>Skipped</h2>
{skipped_html}
</section>
</body>
</html>
"""
