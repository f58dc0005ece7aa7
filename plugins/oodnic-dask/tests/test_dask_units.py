"""The Dask executor's pieces that need no worker: chunk splitting, the worker's setup check, failures, progress."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from distributed import KilledWorker

from oodnic_platform import Chunk, CodecSpec, CoderIdentity, ConfigError, Job, RunSpec, failed_result
from oodnic_platform.results import FIXED_COLUMNS
from oodnic_dask.executor import DaskExecutor
from oodnic_dask.failures import HINT, isolate, killed_message
from oodnic_dask.placement import split_by_resource
from oodnic_dask.progress import RowProgress
from oodnic_dask.remote import SetupFailure, run_task
from oodnic_dask.tasks import Tasks


def test_split_by_resource_separates_gpu_codecs_and_keeps_every_job_once():
    jobs = tuple(Job(f"{image}{codec}{q}", image, codec, q) for image in "ab" for codec in (0, 1, 2) for q in (1, 2))
    chunks = [Chunk("fog", 3, jobs), Chunk("clean", 0, tuple(j for j in jobs if j.codec == 0))]
    placed = split_by_resource(chunks, ["cpu", "gpu", "cpu"])
    assert [(c.corruption, r) for c, r in placed] == [("fog", "cpu"), ("fog", "gpu"), ("clean", "cpu")]
    assert {j.codec for j in placed[1][0].jobs} == {1} and {j.codec for j in placed[0][0].jobs} == {0, 2}
    assert sorted(j.key for c, _ in placed[:2] for j in c.jobs) == sorted(j.key for j in jobs)
    assert placed[2][0] == chunks[1]


@pytest.mark.parametrize("options", [{"workers": 0}, {"retries": -1}, {"retries": 1.5}, {"connect_timeout": 0},
                                     {"wait_for_workers": "soon"}])
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


def test_isolate_gives_one_chunk_per_image_and_codec_with_every_job_once():
    jobs = tuple(Job(f"{image}{codec}{q}", image, codec, q) for image in "ab" for codec in (0, 1) for q in (1, 2))
    pieces = isolate(Chunk("fog", 3, jobs))
    assert [(c.images, {j.codec for j in c.jobs}) for c in pieces] == [(["a"], {0}), (["a"], {1}), (["b"], {0}),
                                                                       (["b"], {1})]
    assert [j for c in pieces for j in c.jobs] == list(jobs) and {(c.corruption, c.severity) for c in pieces} == {
        ("fog", 3)}


def test_a_chunk_that_killed_its_workers_becomes_one_error_row_per_job():
    coders = [CoderIdentity(name, "1.0", "{}", "{}", "dask-fixture") for name in ("dquant", "gquant")]
    spec = RunSpec("sample", (), tuple(CodecSpec(c.name, (), c) for c in coders), ("bpp",), seed=5,
                   dataset_name="sample", image_hashes=(("a.png", "a" * 64), ("b.png", "b" * 64)))
    chunk = Chunk("dnoise", 2, tuple(Job(f"k{i}", image, i % 2, 4) for i, image in enumerate(["a.png", "b.png"] * 2)))
    error = KilledWorker("oodnic-chunk-x-3", SimpleNamespace(address="tcp://10.0.0.7:4000"), 3)
    message = killed_message(spec, chunk, error)
    assert message == ("worker died 4 times while coding this chunk (2 images x dquant, gquant on dnoise/2; last on "
                       f"tcp://10.0.0.7:4000): {HINT}")
    result = failed_result(spec, chunk, message, str(error))
    assert [row["key"] for row in result.rows] == ["k0", "k1", "k2", "k3"] and not result.groups
    assert all(row["status"] == "error" and row["error"] == message and "4 different workers" in row["traceback"]
               for row in result.rows)
    assert {(row["image"], row["codec"], row["seed"]) for row in result.rows} == {("a.png", "dquant", 5),
                                                                                    ("b.png", "gquant", 5)}
    assert set(result.rows[0]) <= set(FIXED_COLUMNS)
    assert {(row["image"], row["image_sha256"][0]) for row in result.rows} == {("a.png", "a"), ("b.png", "b")}


def test_progress_counts_each_row_once_through_reruns_resubmissions_and_pieces():
    shown = []
    progress = RowProgress(shown.append)
    progress.add("a", 4)
    progress.reported("a", "w1", 3)  # w1 dies after 3 rows; the task runs again on w2
    progress.reported("a", "w2", 2)
    progress.reported("elsewhere", "w2", 7)
    assert shown == [3]
    progress.add("a1", 2, parent="a")  # a is split in two pieces
    progress.add("a2", 2, parent="a")
    progress.reported("a1", "w3", 2)
    progress.add("a2again", 2, parent="a2")  # a2 was a bystander: submitted again
    progress.reported("a2", "w3", 1)
    assert shown == [3]
    progress.finished("a2again")
    assert shown == [3, 1] and sum(shown) == 4
    progress.finished("a1")
    assert sum(shown) == 4


def test_a_run_gives_up_when_no_worker_is_left(fixture_registry):
    from distributed import Client, LocalCluster

    spec = RunSpec("sample", (), (CodecSpec("dquant"),), ("bpp",))
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster, Client(cluster) as client:
        tasks = Tasks(client, spec, {}, retries=0, patience=0.5, progress=RowProgress(None))
        tasks.submit(Chunk("clean", 0, (Job("k", "astronaut.png", 0, 2),)), None)
        with pytest.raises(ConfigError, match=r"^every Dask worker has left the scheduler .* within 0.5 s; 1 chunks "
                                              r"not run: the rows committed so far are kept"):
            next(tasks.results())


FAULTS = """
import resource, sys
import numpy as np
from oodnic_dask.malloc import tune_malloc
if sys.argv[1] == "tuned":
    assert tune_malloc()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    array = np.ones(1_000_000) * 2.0  # 8 MB, the size of a Kodak image in float64
    del array
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_workers_tune_malloc_themselves_under_a_nannys_environment():
    """A nanny's MALLOC_TRIM_THRESHOLD_=65536 maps every large array afresh (a page fault per 4 KiB page);
    tuned, the worker reuses its heap."""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    faults = {mode: int(subprocess.run([sys.executable, "-c", FAULTS, mode], env=env, capture_output=True, text=True,
                                       check=True).stdout) for mode in ("nanny", "tuned")}
    assert faults["nanny"] > 40 * 100  # hundreds of faults per array
    assert faults["tuned"] < faults["nanny"] / 10, faults
