"""Run configuration: a TOML file and/or command-line options, merged into one checked :class:`RunConfig`.

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
    images_per_chunk = 8              # 0 = every image of an input variant in one chunk
    target_bpp = [0.25, 0.5, 1.0]     # rate-match every codec without its own target_bpp or qualities
    rate_tolerance = 0.05             # a match is within +-5 % of its target

    [dataset_options]                 # geometry = "as-is" | "paper", plus the dataset's own options
    geometry = "paper"

    [executor_options]
    scheduler = "tcp://host:8786"

    [[codecs]]                        # omit for every installed codec
    name = "jpeg"
    qualities = [10, 30, 50, 70, 90]  # omit for the codec's own ladder
    target_bpp = [0.25, 0.5]          # rate-matched: search the quality per image and input (instead of the ladder)
    probes = 4                        # the rate search's budget per image and input (default: the codec's)
    settings = { subsampling = "4:4:4" }
    optional = true                   # skip (with a note) when not installed or unavailable

Every value is checked for its type and range here, so a mistake is one line
before anything runs.

Devices (``--device auto|cpu|cuda|cuda:N``) are resolved lazily, only for work
that uses torch: a run whose codecs and metrics all have ``resource = "cpu"``
never imports torch. Codecs and metrics with ``resource = "gpu"`` get the
device resolved on the machine they run on (``auto`` -> ``cuda`` where torch
sees a GPU, else ``cpu``).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .images import DEFAULT_MAX_PIXELS

DEVICE_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


@dataclass
class CodecChoice:
    name: str
    qualities: list[Any] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    #: skip this codec, rather than fail, where it is not installed or unavailable
    optional: bool = False
    #: target rates (bpp) to match per image and input; ``None``: the run's ``target_bpp``
    target_bpp: list[float] | None = None
    #: the rate search's probe budget per image and input; ``None``: the codec's ``rate_probes``
    probes: int | None = None
    #: ``--quality`` as given (``q1,q2`` or ``NAME=q1,q2``): parsed by the planner with the configured codec
    quality_option: str | None = None


def default_workers() -> int:
    return min(8, os.cpu_count() or 1)


@dataclass
class RunConfig:
    dataset: str = "sample"
    dataset_options: dict[str, Any] = field(default_factory=dict)
    run_dir: str | None = None
    #: ``None``: 0, or the seed a materialised set was made with
    seed: int | None = None
    device: str = "auto"
    workers: int = field(default_factory=default_workers)
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
    #: target rates (bpp) for every codec without its own ``target_bpp`` or ``qualities``
    target_bpp: list[float] = field(default_factory=list)
    rate_tolerance: float = 0.05
    #: ``"I/N"``: run only shard I of N (see :func:`oodnic_platform.plan.take_shard`)
    shard: str | None = None

    def resolved_run_dir(self) -> Path:
        return Path(self.run_dir or Path("runs") / Path(self.dataset).name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check(self) -> "RunConfig":
        """Raise :class:`ConfigError` (one line) for a value of the wrong type or out of range."""
        _expect("dataset", self.dataset, str)
        _expect("dataset_options", self.dataset_options, dict)
        _expect("executor_options", self.executor_options, dict)
        if self.run_dir is not None:
            _expect("run_dir", self.run_dir, str)
        if self.seed is not None:
            _expect("seed", self.seed, int)
            if not 0 <= self.seed < 2**32:
                raise ConfigError(f"seed must be in 0..{2**32 - 1}, not {self.seed}")
        _expect("device", self.device, str)
        if not DEVICE_RE.match(self.device):
            raise ConfigError(f"--device must be auto, cpu, cuda or cuda:N, not {self.device!r}")
        _expect("workers", self.workers, int)
        if self.workers < 1:
            raise ConfigError(f"--workers must be at least 1, not {self.workers}")
        _expect("executor", self.executor, str)
        _expect_list("corruptions", self.corruptions, str)
        _expect_list("severities", self.severities, int)
        if any(s < 1 for s in self.severities):
            raise ConfigError(f"severities must be integers >= 1, not {self.severities}")
        _expect("clean", self.clean, bool)
        _expect_list("metrics", self.metrics, str)
        _expect("images", self.images, int)
        if self.images < 0:
            raise ConfigError(f"--images must be 0 (all) or a positive count, not {self.images}")
        _expect("images_per_chunk", self.images_per_chunk, int)
        if self.images_per_chunk < 0:
            raise ConfigError(f"images_per_chunk must be 0 (a whole input variant) or positive, not {self.images_per_chunk}")
        if self.shard is not None:
            _expect("shard", self.shard, str)
            parse_shard(self.shard)
        _expect("max_pixels", self.max_pixels, int)
        if self.max_pixels < 1:
            raise ConfigError(f"max_pixels must be positive, not {self.max_pixels}")
        _check_targets("target_bpp", self.target_bpp)
        _expect("rate_tolerance", self.rate_tolerance, (int, float))
        if not 0 < self.rate_tolerance < 1:
            raise ConfigError(f"rate_tolerance must be between 0 and 1 (0.05: +-5 %), not {self.rate_tolerance}")
        for choice in self.codecs or ():
            _expect("codec name", choice.name, str)
            if choice.qualities is not None:
                _expect_list(f"qualities of {choice.name}", choice.qualities, (int, float))
            if choice.target_bpp is not None:
                _check_targets(f"target_bpp of {choice.name}", choice.target_bpp)
            if choice.probes is not None:
                _expect(f"probes of {choice.name}", choice.probes, int)
                if choice.probes < 1:
                    raise ConfigError(f"probes of {choice.name} must be at least 1, not {choice.probes}")
            _expect(f"settings of {choice.name}", choice.settings, dict)
            _expect(f"optional of {choice.name}", choice.optional, bool)
        return self


def _check_targets(what: str, targets: Any) -> None:
    _expect_list(what, targets, (int, float))
    if not all(math.isfinite(t) and t > 0 for t in targets):
        raise ConfigError(f"{what} must be positive bpp values, not {targets}")


def _type_names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {bool: "true/false", int: "an integer", float: "a number", str: "a string", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _plural(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "integers", float: "numbers", str: "strings"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _expect(what: str, value: Any, kind: type | tuple[type, ...]) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        raise ConfigError(f"{what} must be {_type_names(kind)}, not {value!r}")


def _expect_list(what: str, value: Any, kind: type | tuple[type, ...]) -> None:
    if not isinstance(value, list):
        raise ConfigError(f"{what} must be a list of {_plural(kind)}, not {value!r}")
    for item in value:
        _expect(f"each of {what}", item, kind)


def load_toml(path: str | Path) -> RunConfig:
    """Read a TOML run configuration; unknown keys and wrong types are errors, not silently ignored."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return from_mapping(data, source=str(path))


def from_mapping(data: dict[str, Any], source: str = "config") -> RunConfig:
    known = {f.name for f in fields(RunConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    values = dict(data)
    if "codecs" in values:
        if not isinstance(values["codecs"], list):
            raise ConfigError(f"{source}: codecs must be a list of [[codecs]] tables")
        values["codecs"] = [_codec_choice(entry, source) for entry in values["codecs"]]
    try:
        return RunConfig(**values).check()
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _codec_choice(entry: Any, source: str) -> CodecChoice:
    if isinstance(entry, str):
        entry = {"name": entry}
    keys = {"name", "qualities", "settings", "optional", "target_bpp", "probes"}
    if not isinstance(entry, dict) or "name" not in entry or set(entry) - keys:
        raise ConfigError(f"{source}: each [[codecs]] needs 'name' and may have "
                          f"{', '.join(repr(k) for k in sorted(keys - {'name'}))}")
    return CodecChoice(entry["name"], entry.get("qualities"), entry.get("settings", {}), entry.get("optional", False),
                       target_bpp=entry.get("target_bpp"), probes=entry.get("probes"))


def parse_targets(text: str, what: str) -> list[float]:
    """Comma-separated target rates in bpp, each positive."""
    try:
        targets = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{what} must be comma-separated bpp values, got {text!r}") from None
    if not targets:
        raise ConfigError(f"{what}: no target rate given")
    _check_targets(what, targets)
    return targets


def parse_pairs(items: list[str] | tuple[str, ...], what: str) -> dict[str, Any]:
    """``key=value`` items (values typed by :func:`parse_scalar`); a malformed one is a one-line ConfigError."""
    options: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{what} must be key=value, got {item!r}")
        options[key.strip()] = parse_scalar(value.strip())
    return options


def parse_choice(text: str, option: str = "--codec") -> tuple[str, dict[str, Any]]:
    """``NAME`` or ``NAME:key=value,key=value`` (a codec or metric with settings)."""
    name, _, rest = text.partition(":")
    settings = parse_pairs([item for item in rest.split(",") if item], f"{option} {text}: settings")
    if not name.strip():
        raise ConfigError(f"{option} {text}: missing name")
    return name.strip(), settings


def parse_codec_option(text: str) -> CodecChoice:
    name, settings = parse_choice(text, "--codec")
    return CodecChoice(name, None, settings)


def parse_scalar(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` (``--shard``) as ``(I, N)`` with ``1 <= I <= N``, or a one-line :class:`ConfigError`."""
    found = re.match(r"^(\d+)/(\d+)$", text.strip())
    if not found or not 1 <= int(found[1]) <= int(found[2]):
        raise ConfigError(f"--shard must be I/N with 1 <= I <= N (e.g. 2/4), not {text!r}")
    return int(found[1]), int(found[2])


def split_list(text: str, what: str) -> list[str]:
    """The items of ``a,b,c``, stripped; an empty item (``10,,20``, a trailing comma) is a one-line error."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ConfigError(f"{what} {text!r}: empty value in the comma-separated list")
    return items


def parse_int_list(text: str, what: str) -> list[int]:
    """The integers of ``1,3,5`` (``what`` names the option in the one-line error), as ``oodnic run`` reads them."""
    items = split_list(text, what)
    try:
        return [int(x) for x in items]
    except ValueError:
        raise ConfigError(f"{what} must be comma-separated integers, got {text!r}") from None


def device_for(resource: str, device: str) -> str:
    """The device a codec or metric of ``resource`` gets when a command asks for ``device`` (``auto``, ``cpu``,
    ``cuda`` or ``cuda:N``); a device that is malformed or not there is a one-line :class:`ConfigError`."""
    if resource != "gpu" or device == "cpu":
        return "cpu"
    return resolve_device(device)


@functools.cache
def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; an explicit CUDA device is checked."""
    if not DEVICE_RE.match(device):
        raise ConfigError(f"--device must be auto, cpu, cuda or cuda:N, not {device!r}")
    if device == "cpu":
        return "cpu"
    if importlib.util.find_spec("torch") is None:
        if device.startswith("cuda"):
            raise ConfigError(f"--device {device}: torch is not installed")
        return "cpu"
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: no CUDA device is visible to torch")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise ConfigError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s)")
    return device
