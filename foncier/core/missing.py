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

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_missing", "missing_mask"]


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
