"""The two decision columns of the result table: ``completeness`` and ``relax`` (DESIGN.md).

They are computed from a match's criteria (outcomes and measured values) for the rows a table
holds, so :meth:`foncier.core.matching.MatchResult.rows` builds them only for the rows it builds,
and :mod:`foncier.analysis.assembly` for its combined plots. :mod:`foncier.analysis.decision`
(near misses, the funnel) builds on them.

- :func:`completeness_of`: per row, the share of the asked criteria (availability included) whose
  outcome is ``pass`` or ``fail``, rounded to 3 decimals (1 when no criterion is asked);
- :func:`relax_of`: empty unless the row is ``no_match``; then one ``criterion=value`` item per
  failing criterion, in the verdict table's order, joined by ``; ``: the brief value at which that
  criterion would pass, i.e. the plot's own measure in the brief key's unit (numbers rounded to 3
  decimals with a ``.``, dates ISO); a criterion no brief number can relax is written bare.

Every function is vectorized: each distinct value is written once (numbers and dates are
factorized first), the items are ASCII bytes joined through one byte buffer laid out as one text
per row, decoded at once: no Python loop over rows.

Examples
--------
>>> import numpy as np
>>> from foncier.core.criteria import Criterion
>>> price = Criterion("price", np.array([1, 0, 2], np.int8), np.array([38.5, 12.0, np.nan]),
...                   35.0, lambda i, c: "")
>>> gas = Criterion("gas", np.array([1, 0, 0], np.int8), np.array([False, True, True]),
...                 True, lambda i, c: "")
>>> criteria = {"price": price, "gas": gas}
>>> relax_of(criteria, np.array([2, 0, 1]), np.arange(3)).tolist()
['price=38.5; gas', '', '']
>>> completeness_of(criteria, np.arange(3)).tolist()
[1.0, 1.0, 0.5]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foncier.core.criteria import FAIL, UNKNOWN, Criterion

__all__ = ["RELAXABLE", "completeness_of", "relax_of", "relax_values_of", "fail_counts_of"]

#: Criteria a brief number can relax, and the kind of their relax value.
RELAXABLE = {"area": "number", "price": "number", "timing": "date", "start": "date",
             "height": "number", "power": "number", "water": "number", "housing": "number",
             "motorway": "number", "rail_freight": "number", "port": "number"}


def _positions(criteria: dict[str, Criterion], positions: np.ndarray | None) -> np.ndarray:
    if positions is not None:
        return np.asarray(positions, dtype=np.int64)
    n = len(next(iter(criteria.values())).outcome) if criteria else 0
    return np.arange(n)


def fail_counts_of(criteria: dict[str, Criterion], positions: np.ndarray) -> np.ndarray:
    """Number of failing criteria of the rows at ``positions``."""
    positions = np.asarray(positions, dtype=np.int64)
    out = np.zeros(len(positions), dtype=np.int64)
    for c in criteria.values():
        out += c.outcome[positions] == FAIL
    return out


def completeness_of(criteria: dict[str, Criterion], positions: np.ndarray) -> np.ndarray:
    """Share of the asked criteria whose outcome is known, for the rows at ``positions``.

    Returns
    -------
    ndarray of float
        From 0 to 1, rounded to 3 decimals; 1 when no criterion is asked.
    """
    positions = np.asarray(positions, dtype=np.int64)
    if not criteria:
        return np.ones(len(positions))
    known = np.zeros(len(positions), dtype=np.int64)
    for c in criteria.values():
        known += c.outcome[positions] != UNKNOWN
    return np.round(known / len(criteria), 3)


def _thousandths(q: np.ndarray) -> np.ndarray:
    """Integers of thousandths written as decimals (``38500`` -> ``38.5``)."""
    sign = np.where(q < 0, "-", "")
    q = np.abs(q)
    whole = (q // 1000).astype(str)
    frac = np.strings.rstrip(np.strings.zfill((q % 1000).astype(str), 3), "0")
    text = np.where(frac == "", whole, np.strings.add(np.strings.add(whole, "."), frac))
    return _narrow(np.strings.add(sign, text))


def _narrow(text: np.ndarray) -> np.ndarray:
    """A text array in the narrowest fixed width that holds it (cheaper to copy and join)."""
    if not len(text):
        return text
    return text.astype(f"U{max(int(np.strings.str_len(text).max()), 1)}")


def relax_values_of(name: str, criterion: Criterion, positions: np.ndarray) -> np.ndarray:
    """The relax value of one criterion for the rows at ``positions`` (text; ``""`` when bare).

    The plot's own measure in the brief key's unit (see :func:`relax_of`), whatever the outcome.
    """
    measured = criterion.measured[np.asarray(positions, dtype=np.int64)]
    kind = RELAXABLE.get(name)
    if kind is None:
        return np.full(len(measured), "", dtype=str)
    codes, texts = _distinct_values(kind, measured)
    return texts.astype(str)[codes] if len(codes) else np.full(0, "", dtype=str)


def _distinct_values(kind: str, measured: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, texts)``: each distinct relax value written once, as ASCII bytes."""
    if kind == "date":
        days = np.asarray(measured).astype("datetime64[D]").view(np.int64)
        codes, uniques = pd.factorize(days)
        return codes, np.asarray(uniques).view("datetime64[D]").astype(str).astype("S10")
    q = np.rint(np.asarray(measured, dtype=np.float64) * 1000.0).astype(np.int64)
    codes, uniques = pd.factorize(q)
    return codes, _thousandths(np.asarray(uniques)).astype("S")


def _items(name: str, criterion: Criterion, positions: np.ndarray) -> np.ndarray:
    """The relax items ``criterion=value`` (or ``criterion``) of rows, as ASCII bytes."""
    kind = RELAXABLE.get(name)
    if kind is None:
        return np.full(len(positions), name.encode())
    codes, texts = _distinct_values(kind, criterion.measured[positions])
    return np.strings.add((name + "=").encode(), texts)[codes]


def relax_of(criteria: dict[str, Criterion], status_code: np.ndarray,
             positions: np.ndarray | None = None) -> np.ndarray:
    """The brief values at which each ``no_match`` row's failing criteria would pass.

    Parameters
    ----------
    criteria : dict of str to Criterion
        The asked criteria, in the verdict table's order.
    status_code : ndarray of int
        0 match, 1 to_check, 2 no_match per row (all rows, indexed by ``positions``).
    positions : ndarray of int, optional
        The rows wanted, in that order (every row by default).

    Returns
    -------
    ndarray of str (object)
        One text per position: ``""`` unless ``no_match``; then the items ``criterion=value``
        (area -> net area in ha, price -> €/m², timing -> available_from ISO date, start ->
        earliest start of works ISO date, height -> m, power -> MW, water -> m³/day, housing ->
        m, motorway / rail_freight / port -> km; numbers rounded to 3 decimals) or the bare
        ``criterion``, joined by ``; ``.
    """
    positions = _positions(criteria, positions)
    parts = []
    no_match = np.asarray(status_code)[positions] == 2
    width = np.zeros(len(positions), dtype=np.int64)
    for name, c in criteria.items():
        hit = np.flatnonzero((c.outcome[positions] == FAIL) & no_match)
        if len(hit):
            items = _items(name, c, positions[hit])
            width[hit] += np.strings.str_len(items) + 2
            parts.append((hit, items))
    out = np.full(len(positions), "", dtype=object)
    if parts:
        rows = np.flatnonzero(width)
        out[rows] = _join(parts, len(positions), int(width.max()) - 2)[rows]
    return out


def _join(parts: list[tuple[np.ndarray, np.ndarray]], n: int, width: int) -> np.ndarray:
    """Join the ``(rows, items)`` parts (ASCII bytes, in criterion order) by ``; `` per row: one
    vectorized concatenation per criterion over the rows it fails, then one decoding."""
    text = np.zeros(n, dtype=f"S{max(width, 1)}")
    for rows, items in parts:
        before = text[rows]
        text[rows] = np.where(before == b"", items,
                              np.strings.add(np.strings.add(before, b"; "), items))
    return text.astype(str).astype(object)
