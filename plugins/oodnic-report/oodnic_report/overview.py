"""What was run, and with what: provenance, codecs, corruptions, metrics, images, failures, every RD point."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from importlib import metadata as importlib_metadata
from typing import Any

import numpy as np

import oodnic_platform

from .context import Context
from .curves import QUANTITIES, quality_order
from .model import Note, Section, write_csv, write_table

RD_COLUMNS = ("codec", "corruption", "severity", "frequency", "quality", "bpp", *QUANTITIES, "images",
              "lossless_images", "complete")
#: environment facts a run may record with its configuration (top level or under "environment")
ENVIRONMENT = ("platform", "python", "numpy", "torch", "cuda", "device_name", "hostname")


def overview_section(ctx: Context) -> Section:
    section = Section("What was run")
    section.items.append(provenance(ctx))
    section.items.append(codecs_table(ctx))
    section.items.append(corruptions_table(ctx))
    section.items.append(metrics_table(ctx))
    section.items.append(write_table(
        ctx.out, "images.csv", "Images", f"The {len(ctx.analysis.images)} images of the run with their SHA-256.",
        ("image", "sha256"), sorted({(r["image"], r["image_sha256"]) for r in ctx.data.rows + ctx.data.error_rows})))
    if ctx.data.error_rows:
        messages = Counter((ctx.analysis.label(r), r["corruption"], r["error"] or "") for r in ctx.data.error_rows)
        section.items.append(write_table(
            ctx.out, "errors.csv", "Failed rows", "Result rows with status error, by codec, input and message; no "
            "figure or table uses them, and the cells they leave empty say so.", ("codec", "corruption", "error",
                                                                                    "rows"),
            [[c, k, e, n] for (c, k, e), n in sorted(messages.items())]))
    section.items.append(rd_points(ctx))
    return section


def _date(epoch: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(epoch)))
    except (TypeError, ValueError):
        return "not recorded"


def _distinct(values) -> str:
    found = sorted({str(v) for v in values if v not in (None, "")})
    return ", ".join(found) if found else "not recorded"


def provenance(ctx: Context):
    data = ctx.data
    configs = data.configs
    env: dict[str, Any] = {}
    for config in configs:
        env.update({k: config[k] for k in ENVIRONMENT if k in config})
        env.update({k: v for k, v in (config.get("environment") or {}).items()})
    dataset = data.dataset
    rows: list[list[Any]] = [
        ["run folder", str(data.run_dir.resolve())],
        ["dataset", f"{dataset.get('dataset', _distinct(r['dataset'] for r in data.rows))} "
                    f"{json.dumps(dataset.get('options', {}), sort_keys=True)}"],
        ["images", str(len(ctx.analysis.images))],
        ["invocations", f"{len(configs)}: first {_date(configs[0].get('started')) if configs else 'not recorded'}, "
                        f"last {_date(configs[-1].get('started')) if configs else 'not recorded'}"],
        ["seed", _distinct([c.get("seed") for c in configs] + [r["seed"] for r in data.rows if r["severity"]])],
        ["device (as asked)", _distinct(c.get("device") for c in configs)],
        ["device used by the workers", devices_used(ctx)],
        ["executor, workers", _distinct(f"{c.get('executor')}, {c.get('workers')}" for c in configs)],
    ]
    for key in ENVIRONMENT:
        rows.append([key, str(env[key]) if key in env else "not recorded by the run"])
    rows += [[f"codecs of plugin {label}", ", ".join(sorted(codecs))] for label, codecs in plugins(ctx).items()]
    rows.append(["report made with", f"oodnic-report {_version('oodnic-report')}, oodnic-platform "
                                      f"{oodnic_platform.__version__}"])
    return write_table(ctx.out, "provenance.csv", "Provenance",
                       "Where the results come from, as recorded in the run folder; 'not recorded' marks what this "
                       "run did not store.", ("fact", "value"), rows)


def devices_used(ctx: Context) -> str:
    """Per device the workers loaded codecs on (each row's ``codec_provenance``), the codecs and rows."""
    found: dict[str, dict[str, int]] = defaultdict(Counter)
    for row in ctx.data.rows + ctx.data.error_rows:
        try:
            device = json.loads(row.get("codec_provenance") or "{}").get("device") or "not recorded"
        except (ValueError, AttributeError):
            device = "not recorded"
        found[device][ctx.analysis.label(row)] += 1
    return "; ".join(f"{device}: " + ", ".join(f"{codec} ({n} rows)" for codec, n in sorted(codecs.items()))
                     for device, codecs in sorted(found.items()))


def _version(distribution: str) -> str:
    try:
        return importlib_metadata.version(distribution)
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def plugins(ctx: Context) -> dict[str, set[str]]:
    """Plugin label (distribution and version, from the rows' ``plugin`` column) -> codecs it provided."""
    out: dict[str, set[str]] = defaultdict(set)
    for row in ctx.data.rows + ctx.data.error_rows:
        out[row.get("plugin") or "unrecorded"].add(row["codec"])
    return dict(sorted(out.items()))


def codecs_table(ctx: Context):
    rows_by: dict[str, list[dict]] = defaultdict(list)
    for row in ctx.data.rows:
        rows_by[ctx.analysis.label(row)].append(row)
    errors = Counter(ctx.analysis.label(r) for r in ctx.data.error_rows)
    table = []
    for codec in sorted(set(rows_by) | set(errors)):
        crows = rows_by.get(codec, [])
        first = (crows or [r for r in ctx.data.error_rows if ctx.analysis.label(r) == codec])[0]
        qualities = [str(q) for q in sorted({r["quality"] for r in crows}, key=quality_order)]
        role = "lossless baseline" if codec in ctx.analysis.baselines else "codec"
        table.append([codec, role, first["codec_version"], first.get("plugin") or "", first["codec_settings"],
                      first.get("codec_fingerprint") or "{}", " ".join(qualities), len(crows), errors.get(codec, 0)])
    return write_table(ctx.out, "codecs.csv", "Codecs",
                       "Codec label, role, version, plugin, recorded settings (including fixed ones), fingerprint "
                       "(weights, binaries), qualities run, successful and failed rows.",
                       ("codec", "role", "version", "plugin", "settings", "fingerprint", "qualities", "rows ok",
                        "rows failed"), table)


def corruptions_table(ctx: Context):
    found: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in ctx.data.rows + ctx.data.error_rows:
        if row["severity"]:
            entry = found[row["corruption"]]
            entry["frequency"].add(row["frequency"])
            entry["version"].add(str(row["corruption_version"]))
            entry["severity"].add(int(row["severity"]))
            entry["seed"].add(str(row["seed"]))
    rows = [[name, ", ".join(sorted(e["frequency"])), ", ".join(sorted(e["version"])),
             " ".join(map(str, sorted(e["severity"]))), ", ".join(sorted(e["seed"]))] for name, e in found.items()]
    order = {name: i for i, name in enumerate(ctx.analysis.corruptions)}
    rows.sort(key=lambda r: order.get(r[0], len(order)))
    return write_table(ctx.out, "corruptions.csv", "Corruptions", "Corruption, frequency group, version, severities "
                       "and seed, as recorded in the rows.", ("corruption", "frequency", "version", "severities",
                                                               "seed"), rows)


def metrics_table(ctx: Context):
    identities: dict[str, set[str]] = defaultdict(set)
    for text in {r.get("metrics") or "{}" for r in ctx.data.rows}:
        for name, identity in json.loads(text).items():
            identities[name].add(identity)
    versions: dict[str, set[str]] = defaultdict(set)
    for group in ctx.data.arrays():
        if "metric_version" in group.meta:
            versions[group.metric].add(f"{group.meta['metric_version']} "
                                       f"{json.dumps(group.meta.get('metric_settings', {}), sort_keys=True)}")
    rows = [[name, ", ".join(sorted(identities.get(name, []))), "; ".join(sorted(versions.get(name, [])))]
            for name in sorted(set(identities) | set(versions))]
    return write_table(ctx.out, "metrics.csv", "Metrics", "Metrics the rows were measured with (identity: a hash of "
                       "name, version, settings and plugin) and, for metrics that saved arrays, version and settings.",
                       ("metric", "identity", "version and settings (arrays)"), rows)


def rd_points(ctx: Context) -> Note:
    points = []
    analysis = ctx.analysis
    for (corruption, severity), curves in analysis.curves.items():
        for codec, curve in sorted(curves.items()):
            means = {q: curve.mean(q) for q in QUANTITIES}
            lossless = np.isinf(curve.values["psnr"]).sum(axis=0)
            for k, quality in enumerate(curve.qualities):
                points.append([codec, corruption, severity, analysis.frequency.get(corruption, ""), quality,
                               float(curve.mean_bpp[k]), *(float(means[q][k]) for q in QUANTITIES),
                               int(np.isfinite(curve.bpp[:, k]).sum()), int(lossless[k]), bool(curve.complete[k])])
    name = write_csv(ctx.out, "rd_points.csv", RD_COLUMNS, points)
    return Note(f"Every RD point ({len(points)}: means over images per codec, input and quality; lossless_images counts "
                "images coded losslessly, whose PSNR is infinite; complete is false where some image has no "
                "successful row, and such points are left out of every curve) is in", name)
