"""Columns held as words and codes, or as groups of distinct texts, and their row-wise join."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from foncier.io.columns import REASON_SEP, CodedWords, RowReasons, join_groups

LARGE = pa.large_string()


def _row_by_row(groups, n, sep=REASON_SEP):
    return [sep.join(t for t in (texts[index[i]] for texts, index in groups) if t)
            for i in range(n)]


def test_join_groups_joins_each_rows_texts_with_the_separator():
    rng = np.random.default_rng(3)
    texts = np.array(["", "a", "bé", "c d", ""], dtype=object)
    groups = [(texts, rng.integers(0, len(texts), 200)) for _ in range(4)]
    arrow = [(pa.array(t, type=LARGE), i) for t, i in groups]
    assert join_groups(arrow, 200).to_pylist() == _row_by_row(groups, 200)
    assert join_groups(arrow, 200, sep="|").to_pylist() == _row_by_row(groups, 200, "|")


def test_join_groups_puts_before_and_after_around_each_row():
    words = pa.array(["", "x", "y"], type=LARGE)
    before = pa.array(["<", "", "("], type=LARGE)
    after = pa.array([">", "", ")"], type=LARGE)
    got = join_groups([(words, np.array([1, 0, 2])), (words, np.array([2, 0, 0]))], 3,
                      before=before, after=after)
    assert got.to_pylist() == ["<x ; y>", "", "(y)"]
    assert join_groups([], 2, before=before.slice(0, 2)).to_pylist() == ["<", ""]
    assert join_groups([], 2).to_pylist() == ["", ""]


def test_coded_words_column_is_a_text_column_of_the_words():
    column = pd.Series(CodedWords(("pass", "fail", "unknown"), np.array([2, 0, 1, 0])).column())
    assert column.tolist() == ["unknown", "pass", "fail", "pass"]
    assert pd.api.types.is_string_dtype(column.dtype)


@pytest.mark.parametrize("n", [0, 1, 50])
def test_row_reasons_column_joins_the_groups_row_by_row(n):
    texts = np.array(["", "Surface trop petite.", "Prix « 12 » €/m²."], dtype=object)
    groups = [(texts, np.arange(n) % 3), (texts, (np.arange(n) + 1) % 3)]
    column = pd.Series(RowReasons(groups, n).column(), dtype=object)
    assert column.tolist() == _row_by_row(groups, n)
