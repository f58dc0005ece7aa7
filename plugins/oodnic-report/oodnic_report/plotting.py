"""Matplotlib set up for byte-identical output: Agg backend, bundled font, no dates, fixed SVG ids.

Every text of a figure is at least ``MIN_PT`` points at the size it is saved
(its print size); every figure is written as PNG, SVG and PDF; each codec keeps
one colour and marker in every figure (:func:`codec_styles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "font.family": "DejaVu Sans",  # ships inside matplotlib: the same glyphs on every machine
    "font.size": 9,
    "svg.hashsalt": "oodnic-report",
    "svg.fonttype": "path",
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "pdf.fonttype": 42,
    "image.interpolation": "nearest",
}
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}
#: The smallest text of any figure, in points at the size it is saved.
MIN_PT = 8
#: Every codec marker has this size (points), so a codec looks the same in every figure.
MARKER_SIZE = 4
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")


def style():
    """Context in which every report figure is created and saved."""
    return matplotlib.rc_context(STYLE)


def figure(rows: int = 1, cols: int = 1, width: float = 3.2, height: float = 2.6, **kwargs):
    """A grid of subplots of ``width`` x ``height`` inches each (call inside :func:`style`)."""
    return plt.subplots(rows, cols, figsize=(cols * width, rows * height), squeeze=False,
                        layout="constrained", **kwargs)


def grid(rows: int, cols: int, width: float, height: float, legend_rows: int = 1, **kwargs):
    """Like :func:`figure` for large grids: fixed margins instead of constrained layout (which costs seconds there).

    Leaves room at the bottom for :func:`legend` (``legend_rows`` lines).
    """
    left, right, top, bottom = 0.65, 0.15, 0.35, 0.55 + 0.18 * legend_rows
    fig_w, fig_h = cols * width + left + right, rows * height + top + bottom
    fig, axes = plt.subplots(rows, cols, figsize=(fig_w, fig_h), squeeze=False, **kwargs)
    fig.subplots_adjust(left=left / fig_w, right=1 - right / fig_w, top=1 - top / fig_h, bottom=bottom / fig_h,
                        wspace=0.3, hspace=0.55 * 2.2 / height)
    return fig, axes


def save(fig, folder: Path, stem: str) -> tuple[str, str, str]:
    """Write ``stem`` .png, .svg and .pdf into ``folder``; returns their names. Closes the figure."""
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / f"{stem}.png", format="png", metadata=PNG_METADATA)
    fig.savefig(folder / f"{stem}.svg", format="svg", metadata=SVG_METADATA)
    fig.savefig(folder / f"{stem}.pdf", format="pdf", metadata=PDF_METADATA)
    plt.close(fig)
    return f"{stem}.png", f"{stem}.svg", f"{stem}.pdf"


@dataclass(frozen=True)
class CodecStyle:
    colour: tuple
    marker: str


def codec_styles(codecs: list[str]) -> dict[str, CodecStyle]:
    """One colour and marker per codec for every figure of a report, by its position in the sorted list."""
    cmap = plt.get_cmap("tab10" if len(codecs) <= 10 else "tab20")
    return {codec: CodecStyle(tuple(float(v) for v in cmap(i % cmap.N)), MARKERS[i % len(MARKERS)])
            for i, codec in enumerate(sorted(codecs))}


def legend(fig, axes) -> None:
    """One legend below the figure with every distinct label of ``axes``."""
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if handles:
        columns = max(1, min(5, len(labels), int(fig.get_figwidth() / 2.0)))
        where = "outside lower center" if fig.get_layout_engine() is not None else "lower center"
        fig.legend(handles, labels, loc=where, ncols=columns, fontsize=MIN_PT, frameon=False)
