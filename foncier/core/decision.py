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

Every function is vectorized, with no Python loop over rows. :func:`relax_of` writes each
distinct value once (numbers are factorized, then written digit by digit into ASCII bytes); each
failing criterion is a table of items (``; name=value``, the same without ``; `` for a row's
first item, and an empty one) with one code per row. Neighbouring criteria whose combinations are
few are merged into one table; when a single table is left, its few texts are written once and
gathered. Otherwise the rows' items are laid side by side in a byte matrix (by chunks that stay
in the processor's cache), the padding nulls dropped and each row's bytes counted: the column
is an Arrow text array made from those bytes (:func:`relax_arrow`, which a CSV is written from;
:func:`relax_of` gives its Python strings).

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

__all__ = ["RELAXABLE", "completeness_of", "relax_of", "relax_arrow", "relax_values_of",
           "fail_counts_of"]

_SAFE = 10 ** 17          # thousandths written digit by digit below this
_INT_MIN = np.iinfo(np.int64).min
_CHUNK_BYTES = 1 << 20   # rows joined per chunk: about a megabyte of bytes
_PRODUCT_ROWS = 4096    # two item tables this small are merged whole
_FRAC_POWER = np.array([100, 10, 1], dtype=np.int64)

#: Criteria a brief number can relax, and the kind of their relax value.
RELAXABLE = {"area": "number", "price": "number", "timing": "date", "start": "date",
             "height": "number", "power": "number", "water": "number", "housing": "number",
             "motorway": "number", "rail_freight": "number", "port": "number"}


def _positions(criteria: dict[str, Criterion], positions: np.ndarray | None) -> np.ndarray:
    if positions is not None:
        return np.asarray(positions, dtype=np.int64)
    n = len(next(iter(criteria.values())).outcome) if criteria else 0
    return np.arange(n)


def fail_counts_of(criteria: dict[str, Criterion], positions: np.ndarray | None) -> np.ndarray:
    """Number of failing criteria of the rows at ``positions`` (None: every row, in order,
    without gathering the outcomes first)."""
    if positions is not None:
        positions = np.asarray(positions, dtype=np.int64)
        n = len(positions)
    else:
        n = len(next(iter(criteria.values())).outcome) if criteria else 0
    out = np.zeros(n, dtype=np.int64)
    for c in criteria.values():
        out += (c.outcome if positions is None else c.outcome[positions]) == FAIL
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
    values = np.asarray(measured, dtype=np.float64)
    if _too_big(values):
        return _plain_values(values)
    q = np.rint(values * 1000.0).astype(np.int64)
    codes, uniques = pd.factorize(q)
    return codes, _thousandths(np.asarray(uniques)).astype("S")


#: Beyond this many thousandths a value does not fit the integer writer (int64 holds 9.2e18).
_LARGEST_THOUSANDTHS = 2.0 ** 62


def _too_big(values: np.ndarray) -> bool:
    """Whether some value (or NaN/inf) cannot be written through int64 thousandths."""
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(len(values)) and not bool(
            (np.abs(values) * 1000.0 < _LARGEST_THOUSANDTHS).all())


def _plain_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, texts)`` for values too large for the integer writer: each distinct value
    rounded to 3 decimals and written with ``.``, no exponent, trailing zeros dropped."""
    codes, uniques = pd.factorize(values)
    texts = []
    for v in np.asarray(uniques, dtype=np.float64):
        text = f"{round(float(v), 3):.3f}".rstrip("0").rstrip(".") if np.isfinite(v) else str(v)
        texts.append(text)
    return codes, np.array(texts, dtype="S")


def _thousandths_bytes(q: np.ndarray) -> np.ndarray:
    """Integers of thousandths written as decimals, one row of ASCII bytes each, nulls allowed
    anywhere (they are dropped when the rows are joined): ``38500`` -> ``38.5``."""
    if not len(q):
        return np.zeros((0, 0), dtype=np.uint8)
    a = np.abs(q)
    if a.max() >= _SAFE or (q == _INT_MIN).any():   # garbage: the slow writer
        text = _thousandths(q).astype("S")
        return text.view(np.uint8).reshape(len(q), max(text.dtype.itemsize, 1))
    whole, frac = a // 1000, a % 1000
    digits = len(str(int(whole.max())))
    power = 10 ** np.arange(digits - 1, -1, -1, dtype=np.int64)
    out = np.zeros((len(q), digits + 5), dtype=np.uint8)
    out[:, 0] = np.where(q < 0, ord("-"), 0)
    lead = (whole[:, None] < power) & (power > 1)         # leading zeros (the units digit stays)
    out[:, 1:digits + 1] = np.where(lead, 0, (whole[:, None] // power) % 10 + ord("0"))
    tail = np.stack([frac, frac % 100, frac % 10], axis=1)  # non-zero -> that digit is kept
    kept = tail != 0
    out[:, digits + 1] = np.where(kept[:, 0], ord("."), 0)
    out[:, digits + 2:] = np.where(kept, (frac[:, None] // _FRAC_POWER) % 10 + ord("0"), 0)
    return out


def _value_bytes(kind: str, measured: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, table)``: each distinct relax value once, as a row of ASCII bytes (nulls
    dropped when joined)."""
    if kind == "date":
        codes, texts = _distinct_values(kind, measured)
        return codes, texts.view(np.uint8).reshape(len(texts), texts.dtype.itemsize)
    values = np.asarray(measured, dtype=np.float64)
    if _too_big(values):
        codes, texts = _plain_values(values)
        return codes, texts.view(np.uint8).reshape(len(texts), max(texts.dtype.itemsize, 1))
    q = np.rint(values * 1000.0).astype(np.int64)
    codes, uniques = pd.factorize(q)
    return codes, _thousandths_bytes(np.asarray(uniques))


def _item_table(name: str, codes_values: tuple[np.ndarray, np.ndarray] | None, n_hit: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, table)`` of one criterion's items: rows ``; name=value`` for each distinct
    value, then the same rows without their ``; `` (first item of a row), then an empty row."""
    prefix = np.frombuffer(("; " + name + ("=" if codes_values else "")).encode(), np.uint8)
    if codes_values is None:
        codes, values = np.zeros(n_hit, dtype=np.int64), np.zeros((1, 0), dtype=np.uint8)
    else:
        codes, values = codes_values
    k = len(values)
    table = np.zeros((2 * k + 1, len(prefix) + values.shape[1]), dtype=np.uint8)
    table[:k, :len(prefix)] = prefix
    table[:k, len(prefix):] = values
    table[k:2 * k] = table[:k]
    table[k:2 * k, :2] = 0
    return codes, table


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
    return np.asarray(relax_arrow(criteria, status_code, positions).to_numpy(
        zero_copy_only=False), dtype=object)


def relax_arrow(criteria: dict[str, Criterion], status_code: np.ndarray,
                positions: np.ndarray | None = None):
    """:func:`relax_of` as an Arrow ``large_string`` array, made from the items' bytes without
    a Python string per row (a CSV writer formats it as it is)."""
    import pyarrow as pa

    positions = _positions(criteria, positions)
    n = len(positions)
    no_match = np.asarray(status_code)[positions] == 2
    fails = {name: c.outcome[positions] == FAIL for name, c in criteria.items()}
    active = np.zeros(n, dtype=bool)
    for failed in fails.values():
        active |= failed
    active &= no_match
    rows = np.flatnonzero(active)
    if not len(rows):
        return _texts(np.zeros(n, dtype=np.int64), b"")
    blocks, fresh = [], np.ones(len(rows), dtype=bool)
    for name, c in criteria.items():
        failed = fails[name][rows]
        hit = np.flatnonzero(failed)
        if not len(hit):
            continue
        kind = RELAXABLE.get(name)
        values = None if kind is None else _value_bytes(kind, c.measured[positions[rows[hit]]])
        codes, table = _item_table(name, values, len(hit))
        k = (len(table) - 1) // 2
        full = np.full(len(rows), 2 * k, dtype=np.intp)
        full[hit] = codes + k * fresh[hit]
        fresh &= ~failed
        blocks.append((table, full))
    blocks = _merged(blocks, len(rows))
    if len(blocks) == 1:  # few distinct texts: each written once, then taken by the rows
        table, full = blocks[0]
        words = pa.concat_arrays([_texts(*_joined([(table, np.arange(len(table)))],
                                                  len(table))), pa.array([""], pa.large_string())])
        index = np.full(n, len(table), dtype=np.int64)
        index[rows] = full
        return words.take(index)
    lengths = np.zeros(n, dtype=np.int64)
    lengths[rows], data = _joined(blocks, len(rows))
    return _texts(lengths, data)


def _texts(lengths: np.ndarray, data: bytes):
    """An Arrow ``large_string`` array of consecutive texts: their byte lengths, their bytes."""
    import pyarrow as pa

    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(pa.large_string(), len(lengths),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _merged(blocks: list[tuple[np.ndarray, np.ndarray]], n: int
            ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Neighbouring blocks merged while their distinct combinations over the ``n`` rows stay
    few (at most ``n // 4``): one table of the combinations, one code per row. Two small tables
    are merged whole (every combination); larger ones keep the combinations that occur."""
    limit = max(1, n // 4)
    out = [blocks[0]]
    for table, full in blocks[1:]:
        last_table, last_full = out[-1]
        k = len(table)
        if len(last_table) * k <= min(limit, _PRODUCT_ROWS):
            combos = np.arange(len(last_table) * k)
            out[-1] = (np.concatenate([last_table[combos // k], table[combos % k]], axis=1),
                       last_full * k + full)
            continue
        if k <= limit and len(last_table) <= limit:
            codes, uniques = pd.factorize(last_full * k + full)
            if len(uniques) <= limit:
                merged = np.concatenate([last_table[uniques // k], table[uniques % k]], axis=1)
                out[-1] = (merged, codes)
                continue
        out.append((table, full))
    return out


def _joined(blocks: list[tuple[np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, bytes]:
    """Each row's items (``blocks``: per criterion, a byte table and each row's code into it)
    laid side by side, nulls dropped: ``(lengths, data)``, each row's byte length and the rows'
    bytes one after the other.

    Done by chunks of rows whose byte matrix stays in the processor's cache."""
    widths = [table.shape[1] for table, _ in blocks]
    width = sum(widths)
    step = max(1, _CHUNK_BYTES // width)
    chunks, lengths = [], np.empty(n, dtype=np.int64)
    for start in range(0, n, step):
        stop = min(n, start + step)
        text = np.empty((stop - start, width), dtype=np.uint8)
        offset = 0
        for (table, full), w in zip(blocks, widths, strict=True):
            np.take(table, full[start:stop], axis=0, out=text[:, offset:offset + w],
                    mode="clip")
            offset += w
        kept = text != 0
        lengths[start:stop] = np.count_nonzero(kept, axis=1)
        chunks.append(np.compress(kept.ravel(), text.ravel()).tobytes())
    return lengths, b"".join(chunks)
