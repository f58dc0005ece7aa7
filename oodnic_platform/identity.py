"""A result's identity is everything that can change it.

A row's key hashes the image (name and content), the input variant
(corruption, its version and plugin, severity, seed) and the coder (codec name,
version, recorded settings, fingerprint of its weights or binaries, plugin
version) and the quality. A metric value is identified by its row and the
metric's identity (name, version, settings, plugin); an accumulated group by
the dataset, coder, quality, input variant and metric identity.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .codec import Codec, Quality
from .settings import Configurable


def digest(parts: Any, length: int = 64) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclass(frozen=True)
class CoderIdentity:
    """Everything about a configured codec that its rows record and their keys include."""

    name: str
    version: str
    settings: str  # JSON of identity_settings()
    fingerprint: str  # JSON of fingerprint()
    plugin: str
    #: JSON of provenance(): recorded, never part of a key
    provenance: str = "{}"

    @classmethod
    def of(cls, codec: Codec, plugin: str, qualities: list | None = None) -> "CoderIdentity":
        return cls(codec.name, str(codec.version()), _json(codec.identity_settings()),
                   _json(codec.fingerprint(qualities=qualities)), plugin, _json(codec.provenance()))

    @property
    def key_parts(self) -> list[str]:
        return [self.name, self.version, self.settings, self.fingerprint, self.plugin]


@dataclass(frozen=True)
class VariantIdentity:
    """An input variant: ``clean`` (severity 0, no seed) or a corruption at a severity under a seed."""

    corruption: str
    severity: int
    version: str = ""
    plugin: str = ""
    frequency: str = "clean"
    seed: int | None = None

    @property
    def is_clean(self) -> bool:
        return self.corruption == "clean"


def metric_identity(metric: Configurable, plugin: str) -> str:
    """16 hex digits naming a configured metric: name, version, recorded settings and plugin."""
    return digest([metric.name, str(metric.version()), metric.identity_settings(), plugin], 16)


def row_key(image: str, image_sha256: str, variant: VariantIdentity, coder: CoderIdentity, quality: Quality) -> str:
    """Content address of a result row."""
    return digest([image, image_sha256, variant.corruption, variant.version, variant.plugin, variant.severity,
                   variant.seed, *coder.key_parts, quality])


def group_id(dataset: str, coder: CoderIdentity, quality: Quality, variant: VariantIdentity, metric: str) -> str:
    """Id of the group an accumulating metric sums over (all images of one dataset, coder, quality, variant)."""
    return digest([dataset, coder.key_parts, quality, variant, metric], 24)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
