"""VTM 9.1 (the paper's intra protocol): encode and decode seconds per Kodak image, per QP.

    OODNIC_VTM_DIR=PREFIX .venv/bin/python bench/vtm_time.py [--images kodim01.png kodim23.png] [--qp 42 32 22]
        [--direct]

Times each image through the ``vtm`` codec as the platform calls it (``encode`` then ``decode``): wall
seconds and the CPU seconds of the VTM processes (VTM is single-threaded: wall exceeds CPU only by
machine load). With ``--direct`` the paper's own encoder call (``-c cfg/encoder_intra_vtm.cfg``,
``-o /dev/null``) runs alongside on the same planes, and the plugin / direct ratio of CPU seconds is
printed (the plugin adds the colour conversion, one reconstruction file and the decoder check).
Prints bpp and RGB PSNR too, and the machine load before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import psnr

ROOT = Path(__file__).resolve().parent.parent
KODAK = Path(os.environ.get("OODNIC_KODAK_DIR", ROOT.parent / "shared" / "datasets" / "kodak"))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(call):
    wall, cpu = time.perf_counter(), children_cpu()
    result = call()
    return result, time.perf_counter() - wall, children_cpu() - cpu


def direct_encode(codec, image, qp: int) -> float:
    """CPU seconds of ood_nic's exact encoder call on the same planes."""
    from oodnic_vtm.colour import rgb_to_ycbcr_planes

    encoder = codec.tool("EncoderAppStatic")
    cfg = Path(encoder).parent / "cfg" / "encoder_intra_vtm.cfg"
    with tempfile.TemporaryDirectory() as tmp:
        rgb_to_ycbcr_planes(image).tofile(Path(tmp, "in.yuv"))
        args = [encoder, "-i", "in.yuv", "-c", str(cfg), "-q", str(qp), "-o", "/dev/null", "-b", "out.bin",
                "-wdt", str(image.shape[1]), "-hgt", str(image.shape[0]), "-fr", "1", "-f", "1",
                "--InputChromaFormat=444", "--InputBitDepth=8", "--ConformanceWindowMode=1"]  # fmt: skip
        return timed(lambda: subprocess.run(args, cwd=tmp, check=True, capture_output=True))[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", nargs="+", default=["kodim01.png", "kodim23.png"])
    parser.add_argument("--qp", nargs="+", type=int, default=[42, 32, 22])
    parser.add_argument("--direct", action="store_true", help="also time the paper's direct encoder call")
    args = parser.parse_args()
    codec = get_registry().codecs["vtm"]
    if codec.unavailable_reason():
        raise SystemExit(f"vtm unavailable: {codec.unavailable_reason()}")
    print(f"{codec.version()}; load before: {os.getloadavg()[0]:.2f}", flush=True)
    print("image        QP    bpp   PSNR  enc wall  enc CPU  dec wall  dec CPU" + ("  direct CPU  ratio" if args.direct else ""))
    for name in args.images:
        image = read_image(KODAK / name)
        for qp in args.qp:
            data, enc_wall, enc_cpu = timed(lambda: codec.encode(image, qp))
            recon, dec_wall, dec_cpu = timed(lambda: codec.decode(data))
            bpp = 8 * len(data) / (image.shape[0] * image.shape[1])
            line = (f"{name:<12} {qp:>2} {bpp:6.3f} {psnr(image, recon):6.2f} {enc_wall:8.1f}s {enc_cpu:7.1f}s "
                    f"{dec_wall:8.2f}s {dec_cpu:7.2f}s")  # fmt: skip
            if args.direct:
                direct = direct_encode(codec, image, qp)
                line += f" {direct:10.1f}s {enc_cpu / direct:6.3f}"
            print(line, flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
