"""Match an inventory against a brief: explained verdicts, statuses, scores and ranks.

A plot's status is ``match`` (no fail, no unknown), ``to_check`` (no fail, at least one unknown) or
``no_match`` (at least one fail). Plots are ranked by status (match, to_check, no_match), then by
score (best first), then by ``plot_id``.

Examples
--------
>>> import foncier
>>> res = match(foncier.open_inventory(), foncier.Brief(name="Atelier", max_area_ha=1))
>>> res.table.columns[:len(BASE_COLUMNS)].tolist() == BASE_COLUMNS
True
>>> sorted(res.counts) == sorted(STATUSES), sum(res.counts.values()) == len(res.table)
(True, True)
>>> res.table["status"].map(STATUS_CODES).is_monotonic_increasing      # ranked by status
True
>>> list(res.table.columns[-4:])                  # the decision columns after the reasons
['reasons', 'completeness', 'relax', 'geometry']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foncier.core.brief import Brief
from foncier.core.criteria import FAIL, LABELS, OUTCOMES, UNKNOWN, Criterion, evaluate, net_area_ha
from foncier.core.decision import completeness_of, relax_arrow, relax_of
from foncier.core.geometry import PlotGeometry, plot_id_rank
from foncier.core.inventory import Inventory
from foncier.core.scoring import score_components, score_from_components, score_weights
from foncier.io.columns import REASON_SEP, CodedWords, RowReasons, TextCells
from foncier.wording import STATUS_LABELS

if TYPE_CHECKING:  # at run time, imported by the functions that need it
    import geopandas as gpd

__all__ = ["match", "MatchResult", "Verdict", "STATUSES", "STATUS_LABELS", "BASE_COLUMNS",
           "status_codes", "join_reasons", "STATUS_CODES", "rank_order", "DECISION_COLUMNS",
           "decision_columns", "reason_groups"]

STATUSES = np.array(["match", "to_check", "no_match"], dtype=object)
#: Status -> code, in rank order: match 0, to_check 1, no_match 2.
STATUS_CODES = {s: i for i, s in enumerate(STATUSES)}
BASE_COLUMNS = ["rank", "plot_id", "site_id", "status", "score", "area_ha", "net_area_ha"]
#: The decision columns after ``reasons`` (DESIGN.md, "Decision support").
DECISION_COLUMNS = ["completeness", "relax"]


def status_codes(criteria: dict[str, Criterion], n: int) -> np.ndarray:
    """Status code per row from criterion outcomes: 0 match, 1 to_check, 2 no_match."""
    any_fail = np.zeros(n, dtype=bool)
    any_unknown = np.zeros(n, dtype=bool)
    for c in criteria.values():
        any_fail |= c.outcome == FAIL
        any_unknown |= c.outcome == UNKNOWN
    return np.where(any_fail, 2, np.where(any_unknown, 1, 0)).astype(np.int8)


def rank_order(frame: pd.DataFrame, *, ties: tuple[str, ...] = ("plot_id",)) -> np.ndarray:
    """Row order of a result table: status, then score (best first), then the ``ties`` columns.

    :func:`match` ranks plots the same way, with a faster integer key of its own.
    """
    keys = [frame[c].to_numpy(dtype=str) for c in reversed(ties)]
    keys += [-frame["score"].to_numpy(dtype=float), frame["status"].map(STATUS_CODES).to_numpy()]
    return np.lexsort(keys)


def join_reasons(criteria: dict[str, Criterion], positions: np.ndarray) -> np.ndarray:
    """The reasons of the fails and unknowns of the rows at ``positions``, joined by `` ; ``."""
    return np.asarray(_joined_reasons(criteria, positions).to_numpy(zero_copy_only=False),
                      dtype=object)


def _joined_reasons(criteria: dict[str, Criterion], positions: np.ndarray):
    """:func:`join_reasons` as an Arrow string array, without a Python loop over the rows
    (see :func:`reason_groups` and :func:`~foncier.io.columns.join_groups`)."""
    return RowReasons(reason_groups(criteria, positions), len(positions)).arrow()


def reason_groups(criteria: dict[str, Criterion], positions: np.ndarray
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """The reasons of the fails and unknowns of the rows at ``positions``, as groups to be
    joined row-wise by `` ; ``: per group, its distinct texts (an object array whose first
    text is ``""``) and each row's index into them.

    Each criterion's distinct reasons are written once (:meth:`Criterion.distinct_reasons`).
    Criteria next to each other are then merged while their combinations of reasons stay few
    (verdicts, yes/no criteria, enumerations: a few hundred combinations among a million rows),
    each combination's text joined once. At 1,000,000 plots this cuts the rows' columns of
    text to build and join from 17 to 5; under :data:`_MERGE_FROM` rows nothing is merged.
    A writer can so format each distinct text once (a CSV's quotes) before the rows are
    joined by :func:`~foncier.io.columns.join_groups`.
    """
    positions = np.asarray(positions, dtype=np.int64)
    n = len(positions)
    groups: list[tuple[np.ndarray, np.ndarray]] = []     # (texts, each row's index in them)
    few = max(_FEW_COMBINATIONS, n // _FEW_SHARE)
    for c in criteria.values():
        codes = c.outcome[positions]
        hit = np.flatnonzero((codes == FAIL) | (codes == UNKNOWN))
        if not len(hit):
            continue
        texts, inverse = c.distinct_reasons(positions[hit])
        index = np.zeros(n, dtype=np.int64)
        index[hit] = inverse + 1
        group = (np.concatenate([np.array([""], dtype=object), texts]), index)
        if groups and n >= _MERGE_FROM:
            merged = _merged_reasons(groups[-1], group, few)
            if merged is not None:
                groups[-1] = merged
                continue
        groups.append(group)
    return groups


#: Two neighbouring criteria merge when their combinations of reasons are at most this many, or
#: one in ``_FEW_SHARE`` of the rows when that is more (see :func:`_joined_reasons`).
_FEW_COMBINATIONS = 4096
_FEW_SHARE = 16
#: Fewer rows than this are joined without merging (the merging's own cost would not pay).
_MERGE_FROM = 20_000


def _merged_reasons(left: tuple[np.ndarray, np.ndarray], right: tuple[np.ndarray, np.ndarray],
                    few: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Two groups of reasons as one, each combination met written once; None when the
    combinations met are more than ``few``."""
    (lt, li), (rt, ri) = left, right
    codes, combos = pd.factorize(li * len(rt) + ri)
    if len(combos) > few:
        return None
    a, b = lt[combos // len(rt)], rt[combos % len(rt)]
    texts = np.array([x + REASON_SEP + y if x and y else x or y
                      for x, y in zip(a, b, strict=True)],
                     dtype=object)
    return texts, codes.astype(np.int64)


def _taken(column: pd.Series, o: np.ndarray):
    """``column``'s values at positions ``o``, keeping a string dtype's Arrow storage."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.array.take(o)
    return column.to_numpy(dtype=object)[o]


def decision_columns(criteria: dict[str, Criterion], status_code: np.ndarray,
                     positions: np.ndarray) -> dict[str, np.ndarray]:
    """The ``completeness`` and ``relax`` columns of the rows at ``positions``.

    ``status_code`` holds every row's code (0, 1, 2); see :mod:`foncier.core.decision`.
    """
    return {"completeness": completeness_of(criteria, positions),
            "relax": relax_of(criteria, status_code, positions)}


@dataclass(frozen=True)
class Verdict:
    """One criterion's verdict on one plot.

    Attributes
    ----------
    criterion : str
        The criterion's name (``price``, ``motorway``...).
    label : str
        Its French label.
    outcome : str
        ``pass``, ``fail`` or ``unknown``.
    measured : object
        The plot's value (None when unknown).
    required : object
        What the brief asks.
    reason : str
        A one-line reason in French.
    """

    criterion: str
    label: str
    outcome: str
    measured: Any
    required: Any
    reason: str


@dataclass(eq=False)
class MatchResult:
    """The verdicts of every plot of an inventory for one brief.

    Attributes
    ----------
    inventory : Inventory
    brief : Brief
    criteria : dict of str to Criterion
        The asked criteria, each with its outcome per plot (in the inventory's plot order).
    status : ndarray of str
        ``match``, ``to_check`` or ``no_match`` per plot (inventory order).
    status_code : ndarray of int8
        The same as 0, 1 or 2.
    score : ndarray of float
        Score from 0 to 100 per plot (inventory order).
    net_area_ha : ndarray of float
    order : ndarray of int
        Plot positions in rank order (``order[0]`` is the best plot).
    on : date or None
        The day the score's timing component counted from (None: the day of the match).
    components : dict of str to ndarray, or None
        The score's components (:func:`~foncier.core.scoring.score_components`) when the match
        was asked to keep them (``keep_components=True``), else None.
    """

    inventory: Inventory
    brief: Brief
    criteria: dict[str, Criterion]
    status: np.ndarray
    status_code: np.ndarray
    score: np.ndarray
    net_area_ha: np.ndarray
    order: np.ndarray
    on: dt.date | None = None
    components: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _table: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _positions: dict[str, int] | None = field(default=None, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """Number of plots per status."""
        return {s: int((self.status == s).sum()) for s in STATUSES}

    @property
    def table(self) -> gpd.GeoDataFrame:
        """The ranked result table (DESIGN.md's columns, plus the plot geometry).

        Columns: :data:`BASE_COLUMNS`, one per asked criterion (``pass``/``fail``/``unknown``),
        ``reasons``, then :data:`DECISION_COLUMNS` (``completeness``, ``relax``).

        Near misses, the funnel and weight stability are module functions above the matching:
        :func:`foncier.analysis.decision.near_misses`, :func:`foncier.analysis.decision.funnel`,
        :func:`foncier.analysis.stability.weight_stability` (each takes this result).
        """
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def position(self, plot_id: str) -> int:
        """The position of a plot in the inventory's ``plots`` layer."""
        if self._positions is None:
            ids = self.inventory.attributes("plots")["plot_id"].to_numpy(dtype=object)
            self._positions = {pid: i for i, pid in enumerate(ids)}
        try:
            return self._positions[plot_id]
        except KeyError:
            raise KeyError(f"terrain inconnu : {plot_id!r}") from None

    def explain(self, plot_id: str) -> list[Verdict]:
        """Every asked criterion's verdict on one plot, with measured and required values.

        Examples
        --------
        >>> import foncier
        >>> inv = foncier.open_inventory()
        >>> res = foncier.match(inv, foncier.Brief(name="Test", min_area_ha=2))
        >>> [v.criterion for v in res.explain(res.table.plot_id.iloc[0])]
        ['availability', 'area']
        """
        i = self.position(plot_id)
        out = []
        for name, c in self.criteria.items():
            code = int(c.outcome[i])
            m = c.measured[i]
            if isinstance(m, float) and m != m:
                m = None
            elif isinstance(m, np.generic):
                m = m.item()
            out.append(Verdict(name, LABELS[name], str(OUTCOMES[code]), m, c.required,
                               c.write_reason(i, code)))
        return out

    def reasons(self, positions: np.ndarray | None = None) -> np.ndarray:
        """The reasons of the fails and unknowns of plots, joined by `` ; `` (inventory order)."""
        positions = np.arange(len(self.status)) if positions is None else positions
        return join_reasons(self.criteria, positions)

    def row_columns(self, positions: np.ndarray) -> dict[str, Any]:
        """The columns of :meth:`rows` without the geometry, before they are made a table.

        Numbers are NumPy arrays and ids text arrays, as in :meth:`rows`; ``status`` and the
        criteria's verdicts are :class:`CodedWords` (the words and each row's code), ``reasons``
        is :class:`RowReasons` (each criterion's distinct texts and each row's index into
        them), ``relax`` :class:`TextCells` (an Arrow array): a writer formats each distinct
        text once (:func:`foncier.io.results.write_results` writes a CSV so); ``.column()``
        gives the table's column.
        """
        plots = self.inventory.attributes("plots")    # the geometry is decoded only if asked
        o = np.asarray(positions, dtype=np.int64)
        data: dict[str, Any] = {
            "rank": np.zeros(len(o), dtype=np.int64),
            "plot_id": _taken(plots["plot_id"], o),
            "site_id": _taken(plots["site_id"], o),
            "status": CodedWords(tuple(STATUSES), self.status_code[o]),
            "score": self.score[o],
            "area_ha": np.round(plots["area_ha"].to_numpy()[o], 4),
            "net_area_ha": np.round(self.net_area_ha[o], 4),
        }
        for name, c in self.criteria.items():
            data[name] = CodedWords(tuple(OUTCOMES), c.outcome[o])
        data["reasons"] = RowReasons(reason_groups(self.criteria, o), len(o))
        data["completeness"] = completeness_of(self.criteria, o)
        data["relax"] = TextCells(relax_arrow(self.criteria, self.status_code, o))
        return data

    def rows(self, positions: np.ndarray, *, geometry: bool = True) -> gpd.GeoDataFrame:
        """Result-table rows of the plots at ``positions``, in that order (``rank`` left 0).

        Builds only those rows' reasons, ``completeness`` and ``relax``: cheaper than
        :attr:`table` for the head of a ranking. With ``geometry=False``, a plain data frame
        without the plots' geometry (for a caller that adds columns before it).
        """
        data = {name: value.column() if isinstance(value, (CodedWords, RowReasons, TextCells))
                else value
                for name, value in self.row_columns(positions).items()}
        if not geometry:
            return pd.DataFrame(data)
        import geopandas as gpd

        inv = self.inventory
        return gpd.GeoDataFrame(data, geometry=inv.geometries("plots", np.asarray(
            positions, dtype=np.int64)), crs=inv.layer_crs("plots"))

    def head(self, n: int | None = None, *, geometry: bool = True) -> gpd.GeoDataFrame:
        """The first ``n`` rows of the ranked table (all with None), ranked, built alone: the
        other plots' reasons and relax items are not written. ``geometry`` as for
        :meth:`rows` (a ranking printed on screen needs none)."""
        table = self.rows(self.order if n is None else self.order[:n], geometry=geometry)
        table["rank"] = np.arange(1, len(table) + 1)
        return table

    def _build_table(self) -> gpd.GeoDataFrame:
        return self.head()


def _id_rank(plots: pd.DataFrame, geo: PlotGeometry) -> np.ndarray:
    """Each plot's rank in plot_id order (a tie-breaker cheaper to sort than the strings):
    the geometry's own when it has one (measured from the same plots, or read from the
    cache), else made once for the inventory."""
    if geo.id_rank is not None and len(geo.id_rank) == len(plots):
        return geo.id_rank
    return geo.cached("id_rank", lambda: plot_id_rank(plots["plot_id"]))


def _groups_named(geo, brief: Brief) -> list[int]:
    """The constraint groups whose overlaps the brief's criteria will need, so that they are
    measured in one pass (and the grown geometry stored once): its forbidden constraints, the
    archaeology of a start of works, and its excluded constraints unless their union is known
    already (then their overlaps are not needed)."""
    selectors = list(brief.forbidden_constraints or ())
    if brief.start_works_by is not None:
        selectors.append("archaeology")
    excluded = geo.groups_for(list(brief.excluded_constraints or ()))
    named = set(geo.groups_for(selectors))
    if excluded and geo.known_excluded_area(excluded) is None:
        named.update(excluded)
    return sorted(named)


def match(inventory: Inventory, brief: Brief, *, on: dt.date | None = None,
          keep_components: bool = False) -> MatchResult:
    """Match every plot of an inventory against an investor brief.

    Parameters
    ----------
    inventory : Inventory
        From :func:`~foncier.open_inventory`; its geometry is precomputed on first use and reused.
    brief : Brief
        From :func:`~foncier.read_brief` or built with :class:`~foncier.Brief`.
    on : date, optional
        The day the score's timing component counts from (today by default).
    keep_components : bool, default False
        Keep the score's components on the result (``.components``), for the weights'
        stability to reuse (:func:`foncier.analysis.stability.weight_stability`); they hold one
        float per plot and component (40 MB at 1,000,000 plots and five weights).

    Returns
    -------
    MatchResult
        Statuses, scores and ranks; ``.table`` is the ranked GeoDataFrame, ``.explain(plot_id)``
        one plot's verdicts.

    Examples
    --------
    >>> import foncier
    >>> inv = foncier.open_inventory()
    >>> res = foncier.match(inv, foncier.Brief(name="Atelier", max_area_ha=2, fiber=True))
    >>> sorted(res.counts) == ["match", "no_match", "to_check"]
    True
    >>> list(res.table.columns[:7])
    ['rank', 'plot_id', 'site_id', 'status', 'score', 'area_ha', 'net_area_ha']
    """
    plots = inventory.attributes("plots")     # a warm match never decodes the plots' geometry
    geo = inventory.geometry
    geo.ensure_overlaps(_groups_named(geo, brief))
    net = net_area_ha(geo, brief)
    criteria = evaluate(plots, geo, brief, net, on=on)
    n = len(plots)
    code = status_codes(criteria, n).astype(np.int64)
    components = score_components(plots, geo, brief, net, on=on)
    score = score_from_components(components, score_weights(brief), n)
    # One integer key (status, then score, then plot_id) sorts 3x faster than np.lexsort;
    # exact because score_plots rounds scores to 0.1 (0..1000 tenths). The keys are distinct
    # (the plot_id rank is), so the default introsort gives the stable order, 6x faster.
    tenths = 1000 - np.rint(score * 10.0).astype(np.int64)
    order = np.argsort((code * 1001 + tenths) * n + _id_rank(plots, geo))
    return MatchResult(inventory=inventory, brief=brief, criteria=criteria, status=STATUSES[code],
                       status_code=code.astype(np.int8),
                       score=score, net_area_ha=net, order=order, on=on,
                       components=components if keep_components else None)


def result_frame(result: MatchResult) -> pd.DataFrame:
    """The result table without geometry (for CSV and spreadsheets)."""
    return pd.DataFrame(result.table.drop(columns="geometry"))
