"""French wording: numbers written many at a time as one at a time."""

from __future__ import annotations

import numpy as np
import pytest

from foncier.wording import fmt_number, fmt_numbers

EDGES = [0.0, -0.0, 0.125, 2.675, 1234.5, -0.04, -0.05, 0.05, 0.005, 0.015, -1e-9, 999.5,
         999.4999, 1000, 999_999.5, 1_000_000, 12_345_678.9, -12_345_678.9, 999_999_999.4,
         999_999_999.5, 1e9, 1e15, 123_456_789_012.25, float("nan"), 5e-324, 1e-7]


@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_fmt_numbers_writes_what_fmt_number_writes(decimals):
    rng = np.random.default_rng(decimals)
    values = np.concatenate([EDGES, rng.random(3000) * 1e6, rng.normal(0, 50, 3000),
                             np.round(rng.random(3000) * 1000, 3), np.arange(-4000, 4000) / 8])
    texts = fmt_numbers(values, decimals)
    assert texts.dtype == object and len(texts) == len(values)
    assert texts.tolist() == [fmt_number(float(v), decimals) for v in values]


def test_fmt_numbers_of_nothing_and_of_one_missing_value():
    assert fmt_numbers([], 2).tolist() == []
    assert fmt_numbers([float("nan")], 2).tolist() == ["?"]
    assert fmt_numbers([2_500.0, 12.0], 0).tolist() == ["2\u202f500", "12"]


def test_counted_is_plural_from_two_and_keeps_invariable_phrases():
    from foncier.wording import counted

    assert [counted(n, "compatible") for n in (0, 1, 2)] == ["0 compatible", "1 compatible",
                                                             "2 compatibles"]
    assert counted(5, "à vérifier") == "5 à vérifier"

