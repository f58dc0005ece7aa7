"""``CorruptionContract``: the tests every corruption plugin passes."""

from __future__ import annotations

import random
from typing import Collection, Sequence

import numpy as np

from ..contract import check_corruption
from ..corruption import Corruption
from .kit import Contract, assert_refused, assert_registers
from .rd import synthetic_image


class CorruptionContract(Contract):
    """Contract tests for a corruption: subclass it as ``Test...``, set ``corruption`` and ``stochastic``.

    ::

        class TestVignette(CorruptionContract):
            corruption = Vignette()
            stochastic = False

    ``stochastic``: ``True`` when the output depends on the random generator
    (another seed must then change it), ``False`` when it must not; with a list
    of corruptions, a collection of the names of the stochastic ones.
    ``image``: the image corrupted (default a 48 x 64 synthetic image).
    """

    subject = "corruption"
    corruption: Corruption | Sequence[Corruption] | None = None
    stochastic: bool | Collection[str] | None = None
    image: np.ndarray = synthetic_image(48, 64, seed=5)

    def is_stochastic(self, corruption: Corruption) -> bool:
        if self.stochastic is None:
            raise TypeError(f"{type(self).__name__}: declare stochastic = True or False (or the stochastic names)")
        if isinstance(self.stochastic, bool):
            return self.stochastic
        return corruption.name in self.stochastic

    def corrupt(self, corruption: Corruption, severity: int, seed: int) -> np.ndarray:
        image = self.image.copy()
        image.flags.writeable = False  # a corruption must not modify its input
        return corruption.apply(image, severity, np.random.default_rng(seed))

    def test_registration_is_accepted(self, corruption: Corruption) -> None:
        assert_registers(check_corruption, corruption, "corruption")

    def test_every_severity_keeps_shape_and_dtype(self, corruption: Corruption) -> None:
        changed = False
        for severity in corruption.severities:
            out = self.corrupt(corruption, severity, seed=0)
            assert isinstance(out, np.ndarray) and out.shape == self.image.shape and out.dtype == np.uint8, (
                f"{corruption.name} at severity {severity} gave {getattr(out, 'dtype', type(out))} "
                f"{getattr(out, 'shape', '')}, expected uint8 {self.image.shape}"
            )
            changed = changed or not np.array_equal(out, self.image)
        assert changed, f"{corruption.name} leaves the image unchanged at every severity"

    def test_same_seed_same_output_and_global_generators_untouched(self, corruption: Corruption) -> None:
        severity = max(corruption.severities)
        numpy_state, python_state = np.random.get_state(), random.getstate()
        first = self.corrupt(corruption, severity, seed=11)
        second = self.corrupt(corruption, severity, seed=11)
        np.testing.assert_array_equal(first, second, err_msg=f"{corruption.name}: same seed, different output")
        after = np.random.get_state()
        assert numpy_state[1].tolist() == after[1].tolist() and numpy_state[2:] == after[2:], (
            f"{corruption.name} draws from numpy's global generator; draw from the rng it is given"
        )
        assert random.getstate() == python_state, f"{corruption.name} draws from Python's random module"

    def test_another_seed_changes_only_stochastic_output(self, corruption: Corruption) -> None:
        severity = max(corruption.severities)
        differs = not np.array_equal(self.corrupt(corruption, severity, 11), self.corrupt(corruption, severity, 12))
        if self.is_stochastic(corruption):
            assert differs, f"{corruption.name} is declared stochastic but another seed gives the same output"
        else:
            assert not differs, f"{corruption.name} is declared deterministic but another seed changes its output"

    def test_bad_input_is_refused_with_one_line(self, corruption: Corruption) -> None:
        image, rng = self.image, np.random.default_rng(0)
        severity = min(corruption.severities)
        bad_images = {
            "a float32 image": image.astype(np.float32),
            "an int16 image": image.astype(np.int16),
            "an HxWx4 image": np.concatenate([image, image[..., :1]], axis=2),
            "an empty image": image[:0],
        }
        for what, array in bad_images.items():
            assert_refused(lambda: corruption.apply(array, severity, rng), f"{corruption.name}.apply({what})")
        for bad in (0, max(corruption.severities) + 1):
            assert_refused(lambda: corruption.apply(image, bad, rng), f"{corruption.name}.apply(severity={bad})")
