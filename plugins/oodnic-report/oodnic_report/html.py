"""The report page: one self-contained HTML file, inline CSS, no scripts, images by relative path."""

from __future__ import annotations

import re
from html import escape

from .model import Figure, ImageGrid, Note, Section, Skip, Table

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 1em 2em 4em; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption, .caption { font-size: .9em; color: #444; max-width: 60em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .2em .5em; text-align: right; }
th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
.scroll { overflow-x: auto; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ul.skipped li { margin: .2em 0; }
nav ol { columns: 2; }
table.samples th { text-align: center; }
table.samples td { text-align: center; vertical-align: top; font-size: .8em; }
table.samples img { image-rendering: pixelated; display: block; margin: 0 auto; }
"""


def anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _figure(item: Figure, number: int) -> str:
    return (
        f'<figure id="fig-{number}">\n<a href="{escape(item.svg)}"><img src="{escape(item.png)}" '
        f'alt="{escape(item.title)}"></a>\n<figcaption><b>Figure {number}. {escape(item.title)}.</b> '
        f'{escape(item.caption)} <a href="{escape(item.svg)}">SVG</a></figcaption>\n</figure>'
    )


def _table(item: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in item.columns)
    body = "\n".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in item.rows)
    return (
        f"<h3>{escape(item.title)}</h3>\n<p class=\"caption\">{escape(item.caption)} "
        f'<a href="{escape(item.csv)}">CSV</a></p>\n<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def _grid(item: ImageGrid) -> str:
    head = "<th></th>" + "".join(f"<th>{escape(c)}</th>" for c in item.columns)
    rows = []
    for header, cells in item.rows:
        tds = "".join(
            f'<td><img src="{escape(c.src)}" alt="{escape(header)}: {escape(c.text)}"><br>{escape(c.text)}</td>'
            if c.src else f"<td>{escape(c.text)}</td>" for c in cells)
        rows.append(f"<tr><th>{escape(header)}</th>{tds}</tr>")
    body = "\n".join(rows)
    return (
        f"<h3>{escape(item.title)}</h3>\n<p class=\"caption\">{escape(item.caption)}</p>\n"
        f'<div class="scroll"><table class="samples">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>'
        "</table></div>"
    )


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
            elif isinstance(item, ImageGrid):
                parts.append(_grid(item))
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
