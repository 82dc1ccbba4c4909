"""Columns of a result table held compactly until a writer formats them.

A match's verdicts are a few words and a code per row (:class:`CodedWords`); its reasons are,
per criterion, a few distinct texts and each row's index into them (:class:`RowReasons`). A
writer that formats each distinct text once (a CSV's quotes and formula guard) reads them so;
``.column()`` gives the table's column. :func:`join_groups` joins the texts row-wise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from foncier.core.missing import text_column
from foncier.io.xlsx import text_bounds

__all__ = ["REASON_SEP", "CodedWords", "RowReasons", "join_groups"]

#: Between two reasons of a row.
REASON_SEP = " ; "


def join_groups(groups: list[tuple[Any, np.ndarray]], n: int, *, sep: str | None = None,
                before=None, after=None):
    """The rows of :func:`~foncier.core.matching.reason_groups`' groups joined, as one Arrow
    ``large_string`` array.

    Each group is ``(words, index)``: its texts as an Arrow ``large_string`` array and each
    row's index into them (an empty text: nothing from this group). A row's texts are joined
    by ``sep`` (`` ; `` by default); ``before`` and ``after``, Arrow text columns of ``n``
    rows, are put before and after each row's whole text (a CSV's quotes).

    One row-wise concatenation of the groups' texts, each text followed by ``sep`` when a
    later group of the row has a text too: a group's distinct texts are suffixed by one
    kernel (they are few), and each row takes the bare or the suffixed text. Which rows have
    a text is read from the texts' lengths (a merged group's empty combination may have any
    index).

    Examples
    --------
    >>> import pyarrow as pa
    >>> words = pa.array(["", "a", "b"], type=pa.large_string())
    >>> join_groups([(words, np.array([1, 0, 2])), (words, np.array([2, 0, 0]))], 3).to_pylist()
    ['a ; b', '', 'b']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    large = pa.large_string()
    empty = pa.scalar("", type=large)
    columns = []
    if groups:
        suffix = pa.scalar(REASON_SEP if sep is None else sep, type=large)
        later = np.zeros(n, dtype=bool)              # a later group of the row has a text
        for words, index in reversed(groups):
            filled = (np.diff(text_bounds(words)[0]) > 0)[index]
            suffixed = later & filled
            if suffixed.any():
                index = index + suffixed * len(words)
                words = pa.concat_arrays([words, pc.binary_join_element_wise(words, suffix,
                                                                             empty)])
            columns.append(words.take(index))
            later |= filled
        columns.reverse()
    columns = [c for c in (before, *columns, after) if c is not None]
    if not columns:
        return pa.array([""], type=large).take(np.zeros(n, dtype=np.int64))
    if len(columns) == 1:
        return columns[0]
    return pc.binary_join_element_wise(*columns, empty)


@dataclass(frozen=True)
class CodedWords:
    """A text column held as a few ``words`` and each row's index into them (statuses,
    verdicts): a writer formats each word once (see
    :meth:`foncier.core.matching.MatchResult.row_columns`)."""

    words: tuple[str, ...]
    codes: np.ndarray

    def column(self):
        """The rows' words as a table's text column."""
        import pyarrow as pa

        return text_column(pa.array(list(self.words), type=pa.large_string()).take(
            np.asarray(self.codes, dtype=np.int64)))


@dataclass(frozen=True)
class RowReasons:
    """The ``reasons`` column held as :func:`~foncier.core.matching.reason_groups`' groups of
    ``n`` rows (see :meth:`foncier.core.matching.MatchResult.row_columns`)."""

    groups: list[tuple[np.ndarray, np.ndarray]]
    n: int

    def arrow(self):
        """The rows' reasons joined by `` ; ``, as an Arrow ``large_string`` array."""
        import pyarrow as pa

        large = pa.large_string()
        return join_groups([(pa.array(texts, type=large), index)
                            for texts, index in self.groups], self.n)

    def column(self):
        """The rows' reasons joined by `` ; ``, as a table's text column."""
        return text_column(self.arrow())


@dataclass(frozen=True)
class TextCells:
    """A text column held as an Arrow ``large_string`` array without nulls (the ``relax``
    items, made from their bytes: see :func:`~foncier.core.decision.relax_arrow`): a writer
    formats it as it is."""

    cells: Any

    def column(self):
        """The rows' texts as a table's text column."""
        return text_column(self.cells)
