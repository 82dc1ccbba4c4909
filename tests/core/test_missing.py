"""Missing values and text columns turned into Python objects (``foncier.core.missing``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from foncier.core.missing import is_missing, missing_mask, text_objects


def test_is_missing_and_missing_mask():
    assert [is_missing(v) for v in (None, np.nan, pd.NaT, pd.NA, "", 0)] == \
        [True, True, True, True, False, False]
    assert missing_mask(pd.Series(["a", None, np.nan])).tolist() == [False, True, True]


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "large_string[pyarrow]"])
def test_text_objects_of_few_distinct_values_share_one_str_each(dtype):
    if dtype.startswith("large"):
        import pyarrow as pa

        dtype = pd.ArrowDtype(pa.large_string())
    words = ["en vente", "vendu, commercialisation achevée", None, "réservé"]
    values = pd.Series([words[i % 4] for i in range(10_000)], dtype=dtype)
    out = text_objects(values)
    assert out.dtype == object and out.tolist() == [words[i % 4] for i in range(10_000)]
    assert out[0] is out[4] and out[2] is None
    assert len({id(v) for v in out}) == 4


def test_text_objects_of_unique_values_and_what_is_not_arrow_text():
    values = pd.Series([f"P{i}" if i % 7 else None for i in range(10_000)],
                       dtype="string[pyarrow]")
    out = text_objects(values)
    assert out.tolist() == values.astype(object).where(values.notna(), None).tolist()
    assert text_objects(pd.Series(["a", None], dtype=object)) is None
    assert text_objects(pd.Series([1.0, 2.0])) is None
