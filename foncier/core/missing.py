"""The one missing-value test: ``None``, NaN, ``NaT`` and ``pd.NA`` are *unknown* in foncier.

Examples
--------
>>> import numpy as np, pandas as pd
>>> [is_missing(v) for v in (None, float("nan"), pd.NaT, pd.NA, np.datetime64("NaT"), 0, "")]
[True, True, True, True, True, False, False]
>>> missing_mask(pd.Series([1.0, None, 3.0])).tolist()
[False, True, False]
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_missing", "missing_mask", "text_objects", "arrow_text_objects", "text_column",
           "few_distinct"]


def is_missing(value: Any) -> bool:
    """Whether one value is unknown (``None``, NaN, ``NaT``, ``pd.NA``)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float | np.floating):
        return bool(value != value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def missing_mask(values) -> np.ndarray:
    """A boolean array: which values of a column are unknown."""
    return np.asarray(pd.isna(pd.Series(values) if not isinstance(values, pd.Series) else values),
                      dtype=bool)


def text_objects(values: pd.Series) -> np.ndarray | None:
    """A text column as an object array of ``str``, None where missing; None when the column
    is not text held by Arrow (then convert it the usual way).

    A column of few distinct values (enumerations: a sales stage, a PLU zone) is converted
    once per value, and its rows share the value's one ``str``: at 1,000,000 plots this is
    seven times faster than one ``str`` per row, and saves their memory.

    Examples
    --------
    >>> s = pd.Series(["UX", None, "UX"] * 3000, dtype="string[pyarrow]")
    >>> out = text_objects(s)
    >>> out[:3].tolist(), out[0] is out[2]
    (['UX', None, 'UX'], True)
    """
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - a dependency
        return None
    if not (pd.api.types.is_string_dtype(values.dtype) and values.dtype != object):
        return None
    try:
        arrow = pa.array(values.array, from_pandas=True)
    except (TypeError, pa.ArrowInvalid):
        return None
    return arrow_text_objects(arrow)


def arrow_text_objects(arrow) -> np.ndarray | None:
    """:func:`text_objects` of an Arrow array (or chunked array); None when it is not text.

    Examples
    --------
    >>> import pyarrow as pa
    >>> arrow_text_objects(pa.chunked_array([["P1", None], ["P2"]])).tolist()
    ['P1', None, 'P2']
    >>> arrow_text_objects(pa.array([1, 2])) is None
    True
    """
    import pyarrow as pa

    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return None
    if few_distinct(arrow):
        encoded = arrow.dictionary_encode()
        words = np.empty(len(encoded.dictionary) + 1, dtype=object)
        words[:-1] = encoded.dictionary.to_numpy(zero_copy_only=False)   # the last: None
        return words[encoded.indices.fill_null(len(words) - 1).to_numpy()]
    return np.asarray(arrow.to_numpy(zero_copy_only=False), dtype=object)


def text_column(values):
    """A column of text for a table from an Arrow string array: pandas' default string dtype
    built from Arrow without a round trip through Python strings (an object array when
    pandas' default for text is ``object``, as in pandas 2); nulls stay missing.

    Examples
    --------
    >>> import pyarrow as pa
    >>> column = pd.Series(text_column(pa.array(["pass", None])))
    >>> column[0], bool(column.isna()[1])
    ('pass', True)
    """
    default = _default_text_dtype()
    if isinstance(default, pd.StringDtype) and default.storage == "pyarrow":
        return default.__from_arrow__(values)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


@functools.cache
def _default_text_dtype():
    """The dtype pandas gives text, found once per process (a Series made to ask costs 0.25 ms,
    and a result table asks for each of its 25 text columns)."""
    return pd.Series(["x"]).dtype


def few_distinct(values) -> bool:
    """Whether an Arrow array (or a NumPy array: only its head is made Arrow) looks like few
    distinct values: at most 1,024 among its first 2,048 (a shorter array counts as few).

    Then converting or formatting it once per distinct value pays; for nearly unique values
    (ids, reasons) hashing them would cost more than it saves.

    Examples
    --------
    >>> import pyarrow as pa
    >>> few_distinct(pa.array(["UX", "1AUX"] * 5000)), few_distinct(pa.array(map(str, range(5000))))
    (True, False)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    head = (pa.array(values[:_SAMPLE], from_pandas=True) if isinstance(values, np.ndarray)
            else values.slice(0, _SAMPLE))
    return len(head) < _SAMPLE or len(pc.unique(head)) <= _SAMPLE // 2


#: Values looked at by :func:`few_distinct`.
_SAMPLE = 2048
