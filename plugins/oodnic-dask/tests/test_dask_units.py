"""The Dask executor's pieces that need no cluster: chunk splitting and the worker's setup check."""

from __future__ import annotations

import pytest

from oodnic_platform import Chunk, CodecSpec, Job, RunSpec
from oodnic_dask.executor import DaskExecutor
from oodnic_dask.placement import split_by_resource
from oodnic_dask.remote import SetupFailure, run_task


def test_split_by_resource_separates_gpu_codecs_and_keeps_every_job_once():
    jobs = tuple(Job(f"{image}{codec}{q}", image, codec, q) for image in "ab" for codec in (0, 1, 2) for q in (1, 2))
    chunks = [Chunk("fog", 3, jobs), Chunk("clean", 0, tuple(j for j in jobs if j.codec == 0))]
    placed = split_by_resource(chunks, ["cpu", "gpu", "cpu"])
    assert [(c.corruption, r) for c, r in placed] == [("fog", "cpu"), ("fog", "gpu"), ("clean", "cpu")]
    assert {j.codec for j in placed[1][0].jobs} == {1} and {j.codec for j in placed[0][0].jobs} == {0, 2}
    assert sorted(j.key for c, _ in placed[:2] for j in c.jobs) == sorted(j.key for j in jobs)
    assert placed[2][0] == chunks[1]


@pytest.mark.parametrize("options", [{"workers": 0}, {"retries": -1}])
def test_bad_options_are_refused(options):
    with pytest.raises(ValueError):
        DaskExecutor(**options)


def test_a_missing_plugin_is_returned_not_raised(fixture_registry):
    spec = RunSpec("sample", (), (CodecSpec("nosuchcodec"), CodecSpec("dquant")), ("bpp",))
    needed = {"codec nosuchcodec": ("2.0", "oodnic-nosuch 1.0"), "codec dquant": ("0.9", "x")}
    outcome = run_task(spec, Chunk("clean", 0, ()), needed)
    assert isinstance(outcome, SetupFailure)
    assert "lacks codec 'nosuchcodec' (from oodnic-nosuch 1.0 on the driver)" in outcome.message
    assert "has codec 'dquant' version '1.0', the driver '0.9'" in outcome.message
    assert "its plugins: dask, dasktestfixture" in outcome.message


def test_a_dataset_the_worker_cannot_open_is_returned(fixture_registry, tmp_path):
    spec = RunSpec(str(tmp_path / "absent"), (), (CodecSpec("dquant"),), ("bpp",))
    outcome = run_task(spec, Chunk("clean", 0, ()), {})
    assert isinstance(outcome, SetupFailure)
    assert "cannot set up the run: DatasetError: no such dataset or folder" in outcome.message
