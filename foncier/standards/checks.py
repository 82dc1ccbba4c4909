"""Checks shared by the standards' readers: plausible coordinates, values shown in messages.

A value echoed in a message is cut to about 60 characters (:func:`shown`); coordinates that are
not finite, or that cannot be Lambert-93 over France, are found by :func:`implausible`. Reading
third-party data goes through :func:`quiet_reading`: floating-point overflow (``1e999`` in a
WKT) is silenced, since :func:`implausible` then reports the value, and the warnings GDAL or
shapely raise while reading become notes (:class:`~foncier.errors.Problem` warnings), never a
raw Python warning. A ``;`` CSV is split into rows by :func:`csv_records`.

Examples
--------
>>> import shapely
>>> shown("x" * 100)[-3:], len(shown("x" * 100))
('xx…', 61)
>>> geoms = [shapely.Point(650_000, 6_860_000), shapely.Point(2.35, 48.85),
...          shapely.Point(float("inf"), 0), None]
>>> implausible(geoms, lambert93=True).tolist()
[False, True, True, False]
>>> implausible(geoms, lambert93=False).tolist()
[False, False, True, False]
>>> import warnings
>>> notes = []
>>> with quiet_reading("ppr.geojson", notes):
...     warnings.warn("Non closed ring detected", RuntimeWarning)
...     geom = shapely.from_wkt("POINT (1e999 0)")
>>> print(notes[0])
ppr.geojson (avertissement): signalé à la lecture : « Non closed ring detected ».
>>> implausible([geom], lambert93=False).tolist()
[True]
>>> from foncier.errors import CnigError
>>> csv_records("a;b\\n\\n1;2\\n", "t.csv", CnigError)
(['a', 'b'], [(3, ['1', '2'])])
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
import warnings
from collections.abc import Iterator

import numpy as np
import shapely

from foncier.errors import FoncierWarning, Problem

__all__ = ["shown", "implausible", "quiet_reading", "L93_FRANCE", "MAX_SHOWN"]

#: Longest value echoed whole in a message.
MAX_SHOWN = 60
#: (xmin, ymin, xmax, ymax) of Lambert-93 (EPSG:2154) over metropolitan France and Corsica,
#: with a margin: coordinates outside cannot be Lambert-93 of a French site.
L93_FRANCE = (-400_000.0, 5_900_000.0, 1_400_000.0, 7_300_000.0)
#: Largest magnitude of a coordinate in any CRS foncier reads (metres or degrees).
_MAX_COORD = 1e8


def shown(value, limit: int = MAX_SHOWN) -> str:
    """``value`` as text, cut to ``limit`` characters followed by « … » when longer."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def implausible(geoms, *, lambert93: bool) -> np.ndarray:
    """Per geometry: whether one of its coordinates is not finite or out of range.

    Out of range means outside :data:`L93_FRANCE` when ``lambert93``, beyond 10⁸ otherwise.
    Missing geometries are not implausible.
    """
    geoms = np.asarray(geoms, dtype=object)
    bad = np.zeros(len(geoms), dtype=bool)
    if len(geoms) == 0:
        return bad
    coords, index = shapely.get_coordinates(geoms, include_z=True, return_index=True)
    finite = np.isfinite(coords[:, :2]).all(axis=1) & ~np.isinf(coords[:, 2])
    with np.errstate(invalid="ignore"):
        if lambert93:
            x0, y0, x1, y1 = L93_FRANCE
            inside = ((coords[:, 0] >= x0) & (coords[:, 0] <= x1)
                      & (coords[:, 1] >= y0) & (coords[:, 1] <= y1))
        else:
            inside = (np.abs(coords[:, :2]) <= _MAX_COORD).all(axis=1)
    wrong = ~(finite & inside)
    np.logical_or.at(bad, index[wrong], True)
    return bad


@contextlib.contextmanager
def quiet_reading(where: str, notes: list[Problem]) -> Iterator[None]:
    """Read third-party data with no raw warning: numeric overflow silenced, warnings as notes.

    Every warning raised inside the block (GDAL's through pyogrio, numpy's, shapely's) is
    appended to ``notes`` once, as a warning :class:`~foncier.errors.Problem` located at
    ``where``; the project's own warnings (:class:`~foncier.errors.FoncierWarning`) are re-raised
    unchanged. Overflow and invalid operations are silenced, not reported: the values they give
    (infinities, NaN) are what :func:`implausible` and the readers' checks then refuse.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            said: set[str] = set()
            for w in caught:
                if issubclass(w.category, FoncierWarning):
                    continue
                text = shown(str(w.message).strip(), 200)
                if text and text not in said:
                    said.add(text)
                    notes.append(Problem(where, None, f"signalé à la lecture : "
                                         f"« {text} ».", "warning"))
    for w in caught:
        if issubclass(w.category, FoncierWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def csv_records(text: str, name: str, error: type
                ) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """The header and the (line number, values) of every non-empty row of a ``;`` CSV.

    The csv module's field size limit is lifted meanwhile (a 12 000-vertex polygon is a long
    value). An unparsable file raises ``error`` (a :class:`~foncier.errors.FoncierError`
    taking a list of problems) naming the file ``name`` and the line.
    """
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        header = next(reader, None)
        for row in reader:
            if row:
                records.append((reader.line_num, row))
    except csv.Error as exc:
        raise error([Problem(name, f"ligne {reader.line_num}", f"CSV illisible ({exc}) : "
                             "un guillemet non refermé, ou un guillemet au milieu d'une "
                             "valeur ; corrigez la ligne.")]) from None
    finally:
        csv.field_size_limit(old)
    return header, records
