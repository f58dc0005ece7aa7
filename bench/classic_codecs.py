"""Classic codecs: encode+decode milliseconds per Kodak image, plugin vs direct library call.

    .venv/bin/python bench/classic_codecs.py [--images 4] [--repeats 3] [--codec NAME ...]

For each codec, at the middle rung of its default ladder, times one image
through the plugin's Codec object as the platform calls it (``encode`` then
``decode``) and through the equivalent direct library call, interleaved in the
same run. Per image the fastest of ``--repeats`` is kept; the printed ratio is
plugin / direct (target <= 1.1). Kodak comes from OODNIC_KODAK_DIR or
../shared/datasets/kodak.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from oodnic_platform import get_registry, read_image

ROOT = Path(__file__).resolve().parent.parent
Direct = Callable[[np.ndarray, float], np.ndarray]


def pil_round_trip(image: np.ndarray, fmt: str, **options) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **options)
    with Image.open(io.BytesIO(buffer.getvalue())) as img:
        return np.asarray(img.convert("RGB"))


def direct_jpeg(image: np.ndarray, quality: float) -> np.ndarray:
    return pil_round_trip(image, "JPEG", quality=int(quality), subsampling=2)


def direct_jpeg2000(image: np.ndarray, quality: float) -> np.ndarray:
    return pil_round_trip(
        image, "JPEG2000", no_jp2=True, quality_mode="rates", quality_layers=[24 / quality], irreversible=True, mct=1
    )


def direct_avif(image: np.ndarray, quality: float) -> np.ndarray:
    import pillow_avif  # noqa: F401  (pillow-avif-plugin handles AVIF)

    return pil_round_trip(
        image, "AVIF", quality=int(quality), speed=6, subsampling="4:4:4", codec="aom", max_threads=1,
        range="full", advanced={"tune": "psnr"},
    )  # fmt: skip


def direct_hevc_intra(image: np.ndarray, quality: float) -> np.ndarray:
    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.encode(
        "RGB", (image.shape[1], image.shape[0]), image.tobytes(), buffer, quality=50,
        enc_params={"preset": "placebo", "chroma": "444", "x265:psy-rd": "0", "x265:psy-rdoq": "0",
                    "x265:qp": str(int(quality) + 1)},
        save_nclx_profile=True, tile_size=0, color_primaries=1, transfer_characteristics=13,
        matrix_coefficients=6, full_range_flag=1,
    )  # fmt: skip
    return np.asarray(pillow_heif.open_heif(io.BytesIO(buffer.getvalue()), convert_hdr_to_8bit=True))


def direct_webp(image: np.ndarray, quality: float) -> np.ndarray:
    import imagecodecs

    return imagecodecs.webp_decode(imagecodecs.webp_encode(image, level=quality, lossless=False, method=4))


def direct_jpegxl(image: np.ndarray, quality: float) -> np.ndarray:
    import imagecodecs

    data = imagecodecs.jpegxl_encode(image, distance=quality, effort=7, lossless=False, usecontainer=False)
    return imagecodecs.jpegxl_decode(data)


def direct_bpg(image: np.ndarray, quality: float) -> np.ndarray:
    bpgenc = os.environ.get("OODNIC_BPGENC", "bpgenc")
    bpgdec = os.environ.get("OODNIC_BPGDEC", "bpgdec")
    with tempfile.TemporaryDirectory() as tmp:
        Image.fromarray(image).save(f"{tmp}/in.png", compress_level=1)
        subprocess.run(
            [bpgenc, "-q", str(int(quality)), "-f", "444", "-c", "ycbcr", "-b", "8", "-e", "x265", "-m", "8",
             "-o", f"{tmp}/out.bpg", f"{tmp}/in.png"], check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run([bpgdec, "-o", f"{tmp}/out.ppm", f"{tmp}/out.bpg"], check=True, capture_output=True)
        with Image.open(f"{tmp}/out.ppm") as img:
            return np.asarray(img.convert("RGB"))


DIRECT: dict[str, Direct] = {
    "jpeg": direct_jpeg,
    "jpeg2000": direct_jpeg2000,
    "webp": direct_webp,
    "jpegxl": direct_jpegxl,
    "avif": direct_avif,
    "hevc-intra": direct_hevc_intra,
    "bpg": direct_bpg,
}


def kodak_dir() -> Path:
    path = Path(os.environ.get("OODNIC_KODAK_DIR") or ROOT.parent / "shared" / "datasets" / "kodak")
    if not path.is_dir():
        raise SystemExit(f"Kodak not found at {path}: set OODNIC_KODAK_DIR")
    return path


def elapsed_ms(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def fastest_pair(plugin: Callable[[], object], direct: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Fastest time of each route, the two alternating (and swapping order) so load hits both alike."""
    times: dict[int, list[float]] = {0: [], 1: []}
    for repeat in range(repeats):
        order = (0, 1) if repeat % 2 == 0 else (1, 0)
        for route in order:
            times[route].append(elapsed_ms(plugin if route == 0 else direct))
    return min(times[0]), min(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=4, help="first N Kodak images (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per image and route; the fastest is kept")
    parser.add_argument("--codec", action="append", choices=sorted(DIRECT), help="codec (repeatable; default all)")
    args = parser.parse_args()
    images = [read_image(p) for p in sorted(kodak_dir().glob("kodim*.png"))[: args.images]]
    codecs = get_registry().codecs
    print(f"{len(images)} Kodak images, fastest of {args.repeats} runs each, encode+decode ms per image")
    print(f"{'codec':<11} {'quality':>8} {'plugin ms':>10} {'direct ms':>10} {'ratio':>6}")
    for name in args.codec or DIRECT:
        codec = codecs.get(name)
        reason = "plugin not installed" if codec is None else codec.unavailable_reason()
        if reason:
            print(f"{name:<11} skipped: {reason}")
            continue
        codec.load("cpu")
        quality = codec.qualities[len(codec.qualities) // 2]
        np.testing.assert_array_equal(codec.decode(codec.encode(images[0], quality)), DIRECT[name](images[0], quality))
        pairs = [
            fastest_pair(
                lambda image=image: codec.decode(codec.encode(image, quality)),
                lambda image=image: DIRECT[name](image, quality),
                args.repeats,
            )
            for image in images
        ]
        plugin, direct = np.mean(pairs, axis=0)
        print(f"{name:<11} {quality!s:>8} {plugin:>10.1f} {direct:>10.1f} {plugin / direct:>6.3f}", flush=True)


if __name__ == "__main__":
    main()
