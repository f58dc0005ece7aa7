"""CompressAI 1.2.8's pretrained-weight files, written out so that listing the codecs needs neither torch nor CompressAI.

Copied from ``compressai/zoo/image.py`` and ``compressai/zoo/image_vbr.py``
(``root_url`` and ``model_urls``) of CompressAI 1.2.8; a test checks that this
table still equals ``compressai.zoo``'s wherever CompressAI is importable. Each
file name ends in ``-<sha256 prefix>.pth.tar``, which a download is verified
against (as ``torch.hub`` does).
"""

from __future__ import annotations

ROOT_URL = "https://compressai.s3.amazonaws.com/models/v1"

_Q = tuple[str, ...]

#: fixed-rate architecture -> metric -> file names of qualities 1, 2, ... (compressai.zoo.image.model_urls)
FIXED_RATE: dict[str, dict[str, _Q]] = {
    "bmshj2018-factorized": {
        "mse": ("bmshj2018-factorized-prior-1-446d5c7f.pth.tar", "bmshj2018-factorized-prior-2-87279a02.pth.tar",
                "bmshj2018-factorized-prior-3-5c6f152b.pth.tar", "bmshj2018-factorized-prior-4-1ed4405a.pth.tar",
                "bmshj2018-factorized-prior-5-866ba797.pth.tar", "bmshj2018-factorized-prior-6-9b02ea3a.pth.tar",
                "bmshj2018-factorized-prior-7-6dfd6734.pth.tar", "bmshj2018-factorized-prior-8-5232faa3.pth.tar"),
        "ms-ssim": ("bmshj2018-factorized-ms-ssim-1-9781d705.pth.tar", "bmshj2018-factorized-ms-ssim-2-4a584386.pth.tar",
                    "bmshj2018-factorized-ms-ssim-3-5352f123.pth.tar", "bmshj2018-factorized-ms-ssim-4-4f91b847.pth.tar",
                    "bmshj2018-factorized-ms-ssim-5-b3a88897.pth.tar", "bmshj2018-factorized-ms-ssim-6-ee028763.pth.tar",
                    "bmshj2018-factorized-ms-ssim-7-8c265a29.pth.tar", "bmshj2018-factorized-ms-ssim-8-8811bd14.pth.tar"),
    },
    "bmshj2018-hyperprior": {
        "mse": ("bmshj2018-hyperprior-1-7eb97409.pth.tar", "bmshj2018-hyperprior-2-93677231.pth.tar",
                "bmshj2018-hyperprior-3-6d87be32.pth.tar", "bmshj2018-hyperprior-4-de1b779c.pth.tar",
                "bmshj2018-hyperprior-5-f8b614e1.pth.tar", "bmshj2018-hyperprior-6-1ab9c41e.pth.tar",
                "bmshj2018-hyperprior-7-3804dcbd.pth.tar", "bmshj2018-hyperprior-8-a583f0cf.pth.tar"),
        "ms-ssim": ("bmshj2018-hyperprior-ms-ssim-1-5cf249be.pth.tar", "bmshj2018-hyperprior-ms-ssim-2-1ff60d1f.pth.tar",
                    "bmshj2018-hyperprior-ms-ssim-3-92dd7878.pth.tar", "bmshj2018-hyperprior-ms-ssim-4-4377354e.pth.tar",
                    "bmshj2018-hyperprior-ms-ssim-5-c34afc8d.pth.tar", "bmshj2018-hyperprior-ms-ssim-6-3a6d8229.pth.tar",
                    "bmshj2018-hyperprior-ms-ssim-7-8747d3bc.pth.tar", "bmshj2018-hyperprior-ms-ssim-8-cc15b5f3.pth.tar"),
    },
    "mbt2018-mean": {
        "mse": ("mbt2018-mean-1-e522738d.pth.tar", "mbt2018-mean-2-e54a039d.pth.tar", "mbt2018-mean-3-723404a8.pth.tar",
                "mbt2018-mean-4-6dba02a3.pth.tar", "mbt2018-mean-5-d504e8eb.pth.tar", "mbt2018-mean-6-a19628ab.pth.tar",
                "mbt2018-mean-7-d5d441d1.pth.tar", "mbt2018-mean-8-8089ae3e.pth.tar"),
        "ms-ssim": ("mbt2018-mean-ms-ssim-1-5bf9c0b6.pth.tar", "mbt2018-mean-ms-ssim-2-e2a1bf3f.pth.tar",
                    "mbt2018-mean-ms-ssim-3-640ce819.pth.tar", "mbt2018-mean-ms-ssim-4-12626c13.pth.tar",
                    "mbt2018-mean-ms-ssim-5-1be7f059.pth.tar", "mbt2018-mean-ms-ssim-6-b83bf379.pth.tar",
                    "mbt2018-mean-ms-ssim-7-ddf9644c.pth.tar", "mbt2018-mean-ms-ssim-8-0cc7b94f.pth.tar"),
    },
    "mbt2018": {
        "mse": ("mbt2018-1-3f36cd77.pth.tar", "mbt2018-2-43b70cdd.pth.tar", "mbt2018-3-22901978.pth.tar",
                "mbt2018-4-456e2af9.pth.tar", "mbt2018-5-b4a046dd.pth.tar", "mbt2018-6-7052e5ea.pth.tar",
                "mbt2018-7-8ba2bf82.pth.tar", "mbt2018-8-dd0097aa.pth.tar"),
        "ms-ssim": ("mbt2018-ms-ssim-1-2878436b.pth.tar", "mbt2018-ms-ssim-2-c41cb208.pth.tar",
                    "mbt2018-ms-ssim-3-d0dd64e8.pth.tar", "mbt2018-ms-ssim-4-a120e037.pth.tar",
                    "mbt2018-ms-ssim-5-9b30e3b7.pth.tar", "mbt2018-ms-ssim-6-f8b3626f.pth.tar",
                    "mbt2018-ms-ssim-7-16e6ff50.pth.tar", "mbt2018-ms-ssim-8-0cb49d43.pth.tar"),
    },
    "cheng2020-anchor": {
        "mse": ("cheng2020-anchor-1-dad2ebff.pth.tar", "cheng2020-anchor-2-a29008eb.pth.tar",
                "cheng2020-anchor-3-e49be189.pth.tar", "cheng2020-anchor-4-98b0b468.pth.tar",
                "cheng2020-anchor-5-23852949.pth.tar", "cheng2020-anchor-6-4c052b1a.pth.tar"),
        "ms-ssim": ("cheng2020_anchor-ms-ssim-1-20f521db.pth.tar", "cheng2020_anchor-ms-ssim-2-c7ff5812.pth.tar",
                    "cheng2020_anchor-ms-ssim-3-c23e22d5.pth.tar", "cheng2020_anchor-ms-ssim-4-0e658304.pth.tar",
                    "cheng2020_anchor-ms-ssim-5-c0a95e77.pth.tar", "cheng2020_anchor-ms-ssim-6-f2dc1913.pth.tar"),
    },
    "cheng2020-attn": {
        "mse": ("cheng2020_attn-mse-1-465f2b64.pth.tar", "cheng2020_attn-mse-2-e0805385.pth.tar",
                "cheng2020_attn-mse-3-2d07bbdf.pth.tar", "cheng2020_attn-mse-4-f7b0ccf2.pth.tar",
                "cheng2020_attn-mse-5-26c8920e.pth.tar", "cheng2020_attn-mse-6-730501f2.pth.tar"),
        "ms-ssim": ("cheng2020_attn-ms-ssim-1-c5381d91.pth.tar", "cheng2020_attn-ms-ssim-2-5dad201d.pth.tar",
                    "cheng2020_attn-ms-ssim-3-5c9be841.pth.tar", "cheng2020_attn-ms-ssim-4-8b2f647e.pth.tar",
                    "cheng2020_attn-ms-ssim-5-5ca1f34c.pth.tar", "cheng2020_attn-ms-ssim-6-216423ec.pth.tar"),
    },
}

#: variable-rate architecture -> metric -> its one file (compressai.zoo.image_vbr.model_urls)
VARIABLE_RATE: dict[str, dict[str, str]] = {
    "bmshj2018-hyperprior-vbr": {"mse": "bmshj2018-hyperprior-mse-vbr-cddd26be.pth.tar"},
    "mbt2018-mean-vbr": {"mse": "mbt2018-mean-mse-vbr-45d095e9.pth.tar"},
    "mbt2018-vbr": {"mse": "mbt2018-mse-vbr-f12581a1.pth.tar"},
}
