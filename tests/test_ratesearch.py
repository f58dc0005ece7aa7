"""The rate search on its own: rate curves as functions, every step it takes checked."""

from __future__ import annotations

import math
from typing import Callable

import pytest

from oodnic_platform import Codec
from oodnic_platform.ratesearch import Match, Scale, next_probe


class Declared(Codec):
    """Only a codec's declarations (the search never codes)."""

    name = "declared"
    qualities = (10, 30, 50, 70, 90)
    quality_range = (1, 100)


def declared(**attributes) -> Codec:
    codec = Declared()
    for key, value in attributes.items():
        setattr(codec, key, value)
    return codec


def search(scale: Scale, curve: Callable[[float], float], targets, tolerance=0.05):
    """Run each target's search to its end over shared probes; returns (matches, probes in coding order)."""
    probes: dict = {}
    matches = {}
    for target in targets:
        spent = 0
        while True:
            step = next_probe(scale, target, probes, (), tolerance, spent)
            if not isinstance(step, (int, float)) or isinstance(step, bool):
                matches[target] = step
                break
            assert step not in probes, f"{step} proposed twice"
            assert scale.low <= step <= scale.high
            spent += 1
            probes[step] = curve(step)
    return matches, probes


def test_a_continuous_quality_meets_each_target_within_tolerance_in_few_probes():
    scale = Scale.of(declared(quality_scale="continuous"))
    curve = lambda q: 0.05 * math.exp(q / 25)  # noqa: E731  (0.05 .. 2.7 bpp)
    matches, probes = search(scale, curve, [0.25, 0.5, 1.0])
    for target, match in matches.items():
        assert isinstance(match, Match) and match.met and abs(match.bpp / target - 1) <= 0.05
        assert match.bpp == curve(match.quality)
    assert len(probes) <= 4 * 3  # the goal: at most four probes per target on average
    assert search(scale, curve, [0.25, 0.5, 1.0]) == (matches, probes)  # deterministic


def test_a_falling_integer_scale_takes_the_nearest_achievable_quality():
    scale = Scale.of(declared(qualities=(44, 38, 32, 26, 20), quality_range=(0, 51), quality_scale="integer"))
    assert not scale.rises
    curve = lambda qp: 40.0 * 2 ** (-qp / 3)  # noqa: E731  each QP step: 26 % less rate
    matches, probes = search(scale, curve, [0.5])
    match = matches[0.5]
    neighbours = [curve(qp) for qp in (match.quality - 1, match.quality + 1)]
    assert isinstance(match.quality, int) and min(neighbours) < 0.5 < max(neighbours)
    assert match.met == (abs(match.bpp / 0.5 - 1) <= 0.05)
    assert all(abs(curve(q) / 0.5 - 1) >= abs(match.bpp / 0.5 - 1) for q in range(52))


def test_an_unreachable_target_codes_both_ends_and_is_not_met():
    scale = Scale.of(declared(quality_scale="continuous"))
    curve = lambda q: 0.7 + q / 10  # noqa: E731  a noisy input: at least 0.7 bpp
    matches, probes = search(scale, curve, [0.25])
    assert matches[0.25] == Match(1, curve(1), False)
    assert {1, 100} <= set(probes) and len(probes) <= 4


def test_the_budget_caps_the_probes_of_each_target():
    scale = Scale.of(declared(quality_scale="continuous", rate_probes=3))
    curve = lambda q: 0.1 + (q / 100) ** 12 * 3  # noqa: E731  flat, then a wall
    matches, probes = search(scale, curve, [0.5])
    assert len(probes) == 3 and not matches[0.5].met
    assert matches[0.5].quality in probes


def test_a_sharply_bent_curve_is_still_matched_within_the_budget():
    scale = Scale.of(declared(quality_scale="continuous", qualities=(0, 5, 15, 30, 50, 65, 80, 90),
                              quality_range=(0, 100), ladder_bpp=(0.11, 2.0)))
    curve = lambda q: 0.7 * (1 + 30 * q) ** 0.3  # noqa: E731  WebP on heavy noise: steep near 0, then flat
    matches, probes = search(scale, curve, [1.0])
    assert matches[1.0].met and len(probes) <= scale.probes


def test_a_ladder_of_models_gives_the_nearest_model_unmatched():
    scale = Scale.of(declared(qualities=(1, 2, 3, 4, 5, 6), quality_range=None))
    assert scale.kind == "ladder"
    rates = {1: 0.12, 2: 0.2, 3: 0.31, 4: 0.47, 5: 0.68, 6: 0.95}
    matches, probes = search(scale, rates.__getitem__, [0.4])
    assert matches[0.4] == Match(4, 0.47, False)
    assert set(probes) <= set(rates)


def test_failed_probes_are_never_proposed_again():
    scale = Scale.of(declared(quality_scale="continuous"))
    first = next_probe(scale, 0.5, {}, ())
    assert next_probe(scale, 0.5, {}, {first}) is None
    second = next_probe(scale, 0.5, {first: 2.0}, ())
    assert next_probe(scale, 0.5, {first: 2.0}, {second}) != second


@pytest.mark.parametrize("attributes, message", [
    (dict(quality_scale="fractal"), "quality_scale must be one of"),
    (dict(rate_rises=False), "rate_rises must be True or False, as the ladder"),
    (dict(rate_axis="logarithmic"), "rate_axis must be linear or log"),
    (dict(ladder_bpp=(2.0, 1.0)), "ladder_bpp must be two increasing positive rates"),
    (dict(rate_range=(0, 200)), "quality must be in 1..100"),
])
def test_a_declaration_a_search_cannot_use_is_refused_with_one_line(attributes, message):
    with pytest.raises(ValueError, match=message) as info:
        Scale.of(declared(**attributes))
    assert "\n" not in str(info.value)
