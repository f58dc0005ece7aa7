"""Run configuration: a TOML file and/or command-line options, merged into one :class:`RunConfig`.

TOML layout (every key optional)::

    dataset = "kodak"                 # registered name, folder, or materialised -C set
    run_dir = "runs/kodak-c"
    seed = 0
    device = "auto"                   # auto | cpu | cuda | cuda:N
    workers = 2                       # default: one per CPU core, at most 8
    executor = "local"
    corruptions = ["all"]             # or names; [] for clean input only
    severities = [1, 2, 3, 4, 5]
    clean = true
    metrics = ["all"]                 # "all" = every default metric; or names, "NAME:key=value"
    images = 0                        # first N images only; 0 = all

    [dataset_options]                 # passed to the dataset factory
    path = "/data/kodak"

    [executor_options]
    scheduler = "tcp://host:8786"

    [[codecs]]                        # omit for every installed codec
    name = "jpeg"
    qualities = [10, 30, 50, 70, 90]  # omit for the codec's own ladder
    settings = { subsampling = "4:4:4" }
    optional = true                   # skip (with a note) when not installed or unavailable
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .images import DEFAULT_MAX_PIXELS


class ConfigError(ValueError):
    """A user mistake in the configuration: reported as one line."""


@dataclass
class CodecChoice:
    name: str
    qualities: list[Any] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    #: skip this codec, rather than fail, where it is not installed or unavailable
    optional: bool = False


@dataclass
class RunConfig:
    dataset: str = "sample"
    dataset_options: dict[str, Any] = field(default_factory=dict)
    run_dir: str | None = None
    seed: int = 0
    device: str = "auto"
    workers: int = field(default_factory=lambda: min(8, os.cpu_count() or 1))
    executor: str = "local"
    executor_options: dict[str, Any] = field(default_factory=dict)
    codecs: list[CodecChoice] | None = None
    corruptions: list[str] = field(default_factory=lambda: ["all"])
    severities: list[int] = field(default_factory=lambda: [3])
    clean: bool = True
    metrics: list[str] = field(default_factory=lambda: ["all"])
    images: int = 0
    images_per_chunk: int = 8
    max_pixels: int = DEFAULT_MAX_PIXELS

    def resolved_run_dir(self) -> Path:
        return Path(self.run_dir or Path("runs") / Path(self.dataset).name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_toml(path: str | Path) -> RunConfig:
    """Read a TOML run configuration; unknown keys are an error, not silently ignored."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return from_mapping(data, source=str(path))


def from_mapping(data: dict[str, Any], source: str = "config") -> RunConfig:
    known = set(RunConfig.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    values = dict(data)
    if "codecs" in values:
        choices = []
        for entry in values["codecs"]:
            if isinstance(entry, str):
                entry = {"name": entry}
            extra = set(entry) - {"name", "qualities", "settings", "optional"}
            if "name" not in entry or extra:
                raise ConfigError(
                    f"{source}: each [[codecs]] needs 'name' and may have 'qualities', 'settings', 'optional'"
                )
            choices.append(CodecChoice(entry["name"], entry.get("qualities"), dict(entry.get("settings", {})),
                                       bool(entry.get("optional", False))))
        values["codecs"] = choices
    return RunConfig(**values)


def parse_choice(text: str, option: str = "--codec") -> tuple[str, dict[str, Any]]:
    """``NAME`` or ``NAME:key=value,key=value`` (a codec or metric with settings)."""
    name, _, rest = text.partition(":")
    settings: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"{option} {text}: settings must be key=value, got {item!r}")
        settings[key.strip()] = _scalar(value.strip())
    if not name.strip():
        raise ConfigError(f"{option} {text}: missing name")
    return name.strip(), settings


def parse_codec_option(text: str) -> CodecChoice:
    name, settings = parse_choice(text, "--codec")
    return CodecChoice(name, None, settings)


def _scalar(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def parse_int_list(text: str, what: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{what} must be comma-separated integers, got {text!r}") from None
