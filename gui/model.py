"""The app's model: plain Python over the library's objects (no widgets).

:class:`PlotIndex` holds what the views need once per inventory (plot rings for the map, an STRtree
for picking, zone and commune names for the table). :func:`view_from_match` is the pure function a
worker thread runs for each brief: the library's match plus the table's columns.

No Qt here (the rings come from :mod:`gui.rings`): the model loads, and is tested, without PySide6.

Examples
--------
>>> import foncier
>>> index = plot_index_from_source(None)           # the bundled sample inventory
>>> index.n, index.groups[0]
(329, ('flood', 'interdiction'))
>>> index.pick(652_000.0, 6_000_000.0) is None     # far from every plot
True
>>> view = view_from_match(index, foncier.Brief(name="Atelier", min_area_ha=1), generation=1)
>>> view.result.counts
{'match': 127, 'to_check': 40, 'no_match': 162}
>>> view.columns["rank"][:3].tolist(), view.columns["status"][0]
([1, 2, 3], 'compatible')
>>> int(view.code[index.position(view.columns["plot_id"][0])])     # the best one matches
0
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import foncier
from foncier.analysis.assembly import find_assemblies
from foncier.analysis.decision import completeness, funnel, near_misses
from foncier.analysis.stability import stability_sentence, weight_stability
from foncier.core.criteria import FAIL
from foncier.core.matching import STATUS_CODES, STATUSES
from foncier.core.schema import CONSTRAINT_KINDS
from foncier.wording import STATUS_LABELS, STATUS_NAMES, fmt_fixed, fmt_number

from .rings import RingData, ring_data_from_geometries

__all__ = ["PlotIndex", "MatchView", "view_from_match", "STATUS_CODES", "STATUS_ORDER",
           "plot_index_from_inventory", "plot_index_from_source", "constraint_groups",
           "plot_tooltip", "funnel_sentence", "elimination_steps"]

STATUS_ORDER = tuple(STATUSES)
#: Code of a plot before any match has run.
NO_STATUS = 3


@dataclass(eq=False)
class PlotIndex:
    """Per-inventory data of the views, computed once.

    Attributes
    ----------
    inventory : foncier.Inventory
    plot_ids : ndarray of str
    zone_names, commune_names : ndarray of str
        The activity zone's name (or "hors zone") and the commune of each plot.
    price : ndarray of float
    rings : RingData
        Every plot's rings in scene coordinates (for the map's batched paths).
    cx, cy : ndarray of float
        Each plot's representative point in scene coordinates (y negated).
    tree : shapely.STRtree
        Over the plot geometries, for picking; built on first use (:meth:`ensure_geometry`
        builds it ahead, after the map's first frame).
    typical_size_m : float
        The median plot's side.
    groups : list of (str, str or None)
        The constraint (kind, level) groups (:func:`constraint_groups`).
    """

    inventory: foncier.Inventory
    plot_ids: np.ndarray
    zone_names: np.ndarray
    commune_names: np.ndarray
    price: np.ndarray
    rings: RingData
    cx: np.ndarray
    cy: np.ndarray
    typical_size_m: float
    groups: list[tuple[str, str | None]] = field(default_factory=list)
    _positions: dict[str, int] | None = field(default=None, repr=False)
    _geometry_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _tree_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def n(self) -> int:
        return len(self.plot_ids)

    def ensure_geometry(self):
        """The inventory's plot geometry, computed at most once even when two threads ask at
        the same time (the opening worker precomputes it while a match may already wait); the
        picking tree too."""
        _ = self.tree
        with self._geometry_lock:
            return self.inventory.geometry

    @property
    def tree(self) -> shapely.STRtree:
        """The STRtree over the plot geometries (built once, on first use)."""
        if self._tree is None:
            with self._tree_lock:
                if self._tree is None:
                    self._tree = shapely.STRtree(self.inventory.plots.geometry.to_numpy())
        return self._tree

    def position(self, plot_id: str) -> int:
        """The position of a plot in the inventory."""
        if self._positions is None:
            self._positions = {p: i for i, p in enumerate(self.plot_ids)}
        return self._positions[plot_id]

    def pick(self, x: float, y: float, *, tolerance_m: float = 0.0) -> int | None:
        """The plot under a Lambert-93 point (or the nearest within ``tolerance_m``), or None."""
        pt = shapely.Point(x, y)
        hits = self.tree.query(pt, predicate="intersects")
        if len(hits):
            return int(hits.min())
        if tolerance_m > 0:
            idx, dist = self.tree.query_nearest(pt, max_distance=tolerance_m,
                                                return_distance=True)
            if len(idx):
                return int(idx[np.argmin(dist)])
        return None


def constraint_groups(constraints) -> list[tuple[str, str | None]]:
    """The (kind, level) groups of a constraint layer, in the order of
    ``inventory.geometry.groups`` but without computing the plot geometry (seconds for 100,000
    plots), so the map and the filter panel can show before the first match."""
    if constraints is None or not len(constraints):
        return []
    kinds = constraints["kind"].astype(str)
    levels = constraints["level"] if "level" in constraints else pd.Series(None, index=kinds.index)
    pairs = pd.DataFrame({"k": kinds, "l": levels.where(levels.notna(), None)}).drop_duplicates()
    rank = {k: i for i, k in enumerate(CONSTRAINT_KINDS)}
    groups = [(k, lv if isinstance(lv, str) else None) for k, lv in zip(pairs["k"], pairs["l"],
                                                                        strict=True)]
    return sorted(set(groups), key=lambda g: (rank.get(g[0], 99), g[0], g[1] or ""))


def _commune_names(inventory: foncier.Inventory, points: np.ndarray) -> np.ndarray:
    out = np.full(len(points), "", dtype=object)
    communes = inventory.communes
    if communes is not None and len(communes) and len(points):
        tree = shapely.STRtree(communes.geometry.to_numpy())
        pi, ci = tree.query(points, predicate="within")
        names = communes["name"].fillna(communes["insee"]).to_numpy(dtype=object)
        first = np.unique(pi, return_index=True)[1]
        out[pi[first]] = names[ci[first]]
    missing = out == ""
    if missing.any():
        # Fall back on the activity zone's commune code.
        sites = inventory.sites.set_index("site_id")
        code = inventory.plots["site_id"].map(sites.get("commune_insee", pd.Series(dtype=object)))
        out[missing] = code.fillna("").to_numpy(dtype=object)[missing]
    return out


def plot_index_from_inventory(inventory: foncier.Inventory) -> PlotIndex:
    """Compute the views' per-inventory data (vectorized); the plots' rings, representative
    points and communes come from the on-disk cache when the inventory was opened with it
    (:func:`cached_plot_arrays`)."""
    # The layers' columns: their geometries are decoded only if the map's arrays are not in
    # the cache (a warm start draws from the cached rings).
    plots = inventory.attributes("plots")
    arrays = cached_plot_arrays(
        inventory, lambda: _plot_arrays(inventory, inventory.plots.geometry.to_numpy()))
    rings = RingData(**{f: arrays[f"ring_{f}"] for f in RING_FIELDS})
    sites = inventory.attributes("sites")
    site_names = sites.set_index("site_id")["name"] \
        if "name" in sites.columns else pd.Series(dtype=object)
    site_names = site_names.where(site_names.notna(), site_names.index.to_series())
    zone = plots["site_id"].map(site_names)
    zone = zone.where(zone.notna(), plots["site_id"]).fillna("hors zone")
    price = plots["price_eur_m2"].to_numpy(dtype="float64", na_value=np.nan) \
        if "price_eur_m2" in plots.columns else np.full(len(plots), np.nan)
    area = plots["area_ha"].to_numpy() * 10_000.0
    communes = np.array(arrays["commune_values"], dtype=object)
    return PlotIndex(
        inventory=inventory,
        plot_ids=plots["plot_id"].to_numpy(dtype=object),
        zone_names=zone.to_numpy(dtype=object),
        commune_names=communes[arrays["commune_codes"]] if len(communes)
        else np.full(len(plots), "", dtype=object),
        price=price,
        rings=rings,
        cx=arrays["cx"],
        cy=arrays["cy"],
        typical_size_m=float(np.sqrt(np.median(area))) if len(area) else 1.0,
        groups=constraint_groups(inventory.attributes("constraints")),
    )


RING_FIELDS = ("x", "y", "ring", "owner", "starts")
#: Prefix of the on-disk cache's keys for the map's plot arrays (bumped when they change).
PLOT_ARRAYS_KEY = "foncier-gui-plot-arrays-v1"


def _plot_arrays(inventory: foncier.Inventory, geoms: np.ndarray) -> dict:
    """The plots' map arrays: rings, representative points (scene coordinates), communes."""
    points = shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(points)
    rings = ring_data_from_geometries(geoms)
    values, codes = np.unique(_commune_names(inventory, points).astype(str),
                              return_inverse=True)
    out = {f"ring_{f}": getattr(rings, f) for f in RING_FIELDS}
    out.update(cx=xy[:, 0].copy() if len(xy) else np.zeros(0),
               cy=-xy[:, 1] if len(xy) else np.zeros(0),
               commune_codes=codes.astype(np.int64).reshape(-1), commune_values=values.tolist())
    return out


def cached_plot_arrays(inventory: foncier.Inventory, compute) -> dict:
    """The plots' map arrays (``compute()``) from the on-disk cache, keyed on the inventory's
    content fingerprint (the key its plot geometry is cached under): computed and stored the
    first time. An inventory not opened with the cache (in memory, ``cache=False``), or whose
    layers were replaced since, is computed every time.
    """
    n = len(inventory.attributes("plots"))

    def valid(arrays: dict) -> bool:
        return (set(arrays) == {f"ring_{f}" for f in RING_FIELDS} | {
                "cx", "cy", "commune_codes", "commune_values"}
                and len(arrays["cx"]) == n and len(arrays["commune_codes"]) == n)

    return inventory.cached_arrays(PLOT_ARRAYS_KEY, compute, valid=valid)


def plot_index_from_source(source) -> PlotIndex:
    """Open an inventory (GeoPackage path, ``postgresql://`` URL, or None for the bundled
    sample) and compute the views' data: what a worker thread runs to open an inventory.

    Raises the library's :class:`foncier.FoncierError` for a bad source.
    """
    from .timeline import mark

    mark("open_start")
    inventory = foncier.open_inventory(source)
    mark("inventory_read")
    index = plot_index_from_inventory(inventory)
    # The layers the map draws at once, decoded here (from the cache they are still WKB), not
    # on the GUI thread when it builds the scene; the plots are drawn from the cached rings.
    for name in ("sites", "constraints", "infrastructure", "communes"):
        getattr(inventory, name)
    mark("index_built")
    return index


@dataclass(eq=False)
class MatchView:
    """One match, ready for the views.

    Rows are plots and, when the brief allows assembly, candidate assemblies of neighbouring
    plots. A row's *position* is the plot's position in the inventory (``0 .. n - 1``) or, for
    an assembly, ``n + k`` where ``k`` is its row in :attr:`assemblies`.

    Attributes
    ----------
    generation : int
        The request number it answers (a newer request makes it stale).
    result : foncier.MatchResult
    code : ndarray of int8
        Status code per plot, inventory order (0 match, 1 to_check, 2 no_match).
    columns : dict of str to ndarray
        The table's columns in rank order (``position`` maps a row to a plot or an assembly;
        ``assembly`` is True on assembly rows).
    assemblies : GeoDataFrame
        ``find_assemblies`` of the result (empty without ``allow_assembly``):
        per-criterion outcome columns, ``reasons``, ``assembly`` (member ids joined by ``|``).
    members : list of ndarray
        The member plot positions of each assembly.
    """

    generation: int
    result: foncier.MatchResult
    code: np.ndarray
    columns: dict[str, np.ndarray]
    assemblies: gpd.GeoDataFrame | None = None
    members: list[np.ndarray] = field(default_factory=list)
    near: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None
    stability: pd.DataFrame | None = None
    _reasons: dict[int, str] = field(default_factory=dict, repr=False)

    def stability_of(self, plot_id: str) -> list[str]:
        """The weight stability sentences of a plot (empty when it is not among the best
        plots analysed)."""
        st = self.stability
        if st is None or not len(st):
            return []
        rows = st[st["plot_id"] == plot_id]
        return [stability_sentence(w, lo, hi, current=cur) for w, lo, hi, cur in
                zip(rows["weight"], rows["low"], rows["high"], rows["current"], strict=True)]

    def near_miss_of(self, plot_id: str) -> str | None:
        """The relaxation that would make a near miss pass, or None."""
        if self.near is None or not len(self.near):
            return None
        hit = self.near[self.near["plot_id"] == plot_id]
        return str(hit["sentence"].iloc[0]) if len(hit) else None

    @property
    def n_plots(self) -> int:
        return len(self.code)

    @property
    def n_assemblies(self) -> int:
        return len(self.members)

    def is_assembly(self, position: int) -> bool:
        return position >= self.n_plots

    def members_of(self, position: int) -> np.ndarray:
        """The plot positions a row stands for: its members for an assembly, else itself."""
        if self.is_assembly(position):
            return self.members[position - self.n_plots]
        return np.array([position], dtype=np.int64)

    def assembly_row(self, position: int) -> pd.Series:
        """An assembly's row of :attr:`assemblies` (outcome columns, reasons, members...)."""
        return self.assemblies.iloc[position - self.n_plots]

    def position_of_assembly(self, plot_id: str) -> int | None:
        """The position of the assembly named ``plot_id`` (``P1+P2``), or None."""
        if not self.n_assemblies:
            return None
        hit = np.flatnonzero(self.assemblies["plot_id"].to_numpy(dtype=object) == plot_id)
        return int(self.n_plots + hit[0]) if len(hit) else None

    def reasons_of(self, positions: np.ndarray) -> list[str]:
        """The reasons of rows (computed on demand and cached: 100,000 at once take a second)."""
        positions = np.asarray(positions, dtype=np.int64)
        n = self.n_plots
        todo = np.array([p for p in positions.tolist() if p < n and p not in self._reasons],
                        dtype=np.int64)
        if len(todo):
            self._reasons.update(zip(todo.tolist(), self.result.reasons(todo).tolist(),
                                     strict=True))
        if self.n_assemblies and (positions >= n).any():
            texts = self.assemblies["reasons"].to_numpy(dtype=object)
            self._reasons.update({p: str(texts[p - n]) for p in positions.tolist() if p >= n})
        return [self._reasons[p] for p in positions.tolist()]


def _assembly_members(index: PlotIndex, frame: gpd.GeoDataFrame) -> list[np.ndarray]:
    """Member plot positions of each assembly (a few rows: one short list each)."""
    return [np.array([index.position(p) for p in ids.split("|")], dtype=np.int64)
            for ids in frame["assembly"].tolist()]


def _with_assemblies(index: PlotIndex, columns: dict[str, np.ndarray], frame: gpd.GeoDataFrame,
                     members: list[np.ndarray], labels: np.ndarray) -> dict[str, np.ndarray]:
    """The plot columns with the assembly rows merged in, ranked as
    :func:`foncier.analysis.assembly.assemble` ranks them (status, then score, then ``plot_id``)."""
    n = index.n
    first = np.array([m[0] for m in members], dtype=np.int64)
    code = frame["status"].map(STATUS_CODES).to_numpy(dtype=np.int8)
    # The weakest price of the members: the highest, unknown if any is unknown.
    price = np.array([index.price[m].max() for m in members], dtype=float)
    extra = {
        "position": n + np.arange(len(frame)),
        "plot_id": frame["plot_id"].to_numpy(dtype=object),
        "zone": index.zone_names[first],
        "commune": index.commune_names[first],
        "status": labels[code],
        "code": code,
        "score": frame["score"].to_numpy(dtype=float),
        "net_area_ha": frame["net_area_ha"].to_numpy(dtype=float),
        "price": price,
        "completeness": np.full(len(frame), np.nan),
        "assembly": np.ones(len(frame), dtype=bool),
    }
    merged = {k: np.concatenate([columns[k], extra[k]]) for k in extra}
    order = np.lexsort((merged["plot_id"].astype(str), -merged["score"], merged["code"]))
    out = {k: v[order] for k, v in merged.items()}
    out["rank"] = np.arange(1, len(order) + 1)
    return out


def view_from_match(index: PlotIndex, brief: foncier.Brief, generation: int) -> MatchView:
    """Match an inventory (and find assemblies when the brief allows them) and lay out the
    table's columns: the worker's pure function."""
    index.ensure_geometry()
    result = foncier.match(index.inventory, brief)
    code = result.status_code
    o = result.order
    labels = np.array([STATUS_LABELS[s] for s in STATUS_ORDER], dtype=object)
    columns = {
        "position": o,
        "rank": np.arange(1, len(o) + 1),
        "plot_id": index.plot_ids[o],
        "zone": index.zone_names[o],
        "commune": index.commune_names[o],
        "status": labels[code[o]],
        "code": code[o],
        "score": result.score[o],
        "net_area_ha": result.net_area_ha[o],
        "price": index.price[o],
        "completeness": completeness(result)[o],
        "assembly": np.zeros(len(o), dtype=bool),
    }
    frame, members = None, []
    if brief.allow_assembly:
        frame = find_assemblies(result)
        if len(frame):
            members = _assembly_members(index, frame)
            columns = _with_assemblies(index, columns, frame, members, labels)
    return MatchView(generation=generation, result=result, code=code, columns=columns,
                     assemblies=frame, members=members, near=near_misses(result),
                     funnel=funnel(result), stability=weight_stability(result))


def plot_tooltip(index: PlotIndex, view: MatchView | None, position: int) -> str:
    """A plot's tooltip on the map: id, status, score and its first reason.

    Examples
    --------
    >>> import foncier
    >>> index = plot_index_from_source(None)
    >>> view = view_from_match(index, foncier.Brief(name="t", min_area_ha=50), generation=1)
    >>> print(plot_tooltip(index, view, int(view.result.order[-1])))     # doctest: +ELLIPSIS
    Terrain ... — Incompatible, score ...
    Non disponible : ...
    """
    pid = str(index.plot_ids[position])
    if view is None:
        return f"Terrain {pid} — {index.zone_names[position]}"
    code = int(view.code[position])
    head = (f"Terrain {pid} — {STATUS_NAMES[code]}, score "
            f"{fmt_fixed(view.result.score[position], 1)}")
    reasons = [r for r in view.reasons_of(np.array([position]))[0].split(" ; ") if r]
    return head + ("\n" + reasons[0] if reasons else "")


def funnel_sentence(view: MatchView) -> str:
    """With no compatible plot, which criterion eliminates most (else an empty string).

    Examples
    --------
    >>> import foncier
    >>> index = plot_index_from_source(None)
    >>> view = view_from_match(index, foncier.Brief(name="t", min_area_ha=500), generation=1)
    >>> print(funnel_sentence(view))                 # doctest: +NORMALIZE_WHITESPACE
    Aucun terrain compatible : le critère « Surface » élimine le plus de terrains
    (329 sur 329), dont 247 pour ce seul critère.
    """
    if view.result.counts["match"] or view.funnel is None or not len(view.funnel):
        return ""
    top = view.funnel.iloc[0]
    if not int(top["fails"]):
        return ""
    n = view.n_plots
    text = (f"Aucun terrain compatible : le critère « {top['label']} » élimine le plus de "
            f"terrains ({fmt_number(int(top['fails']), 0)} sur {fmt_number(n, 0)}).")
    if int(top["only_fail"]):
        text = text[:-1] + f", dont {fmt_number(int(top['only_fail']), 0)} pour ce seul critère."
    return text


def elimination_steps(view: MatchView) -> pd.DataFrame:
    """The funnel of a match (:func:`foncier.analysis.decision.funnel`) read as an elimination
    order: its criteria applied one after the other, most eliminating first.

    Returns
    -------
    DataFrame
        The funnel's columns (``criterion``, ``label``, ``fails``, ``only_fail``, ``unknown``)
        plus ``eliminated`` (the plots this step removes that the steps before kept) and
        ``remaining`` (the plots no step so far has failed).

    Examples
    --------
    >>> import foncier
    >>> index = plot_index_from_source(None)
    >>> brief = foncier.Brief(name="t", min_area_ha=5, max_price_eur_m2=20)
    >>> steps = elimination_steps(view_from_match(index, brief, generation=1))
    >>> steps[["criterion", "fails", "eliminated", "remaining"]].values.tolist()[:2]
    [['area', 304, 304, 25], ['price', 110, 1, 24]]
    >>> int(steps["eliminated"].sum()) + int(steps["remaining"].iloc[-1]) == index.n
    True
    """
    frame = view.funnel.copy() if view.funnel is not None else pd.DataFrame(
        columns=["criterion", "label", "fails", "only_fail", "unknown"])
    alive = np.ones(view.n_plots, dtype=bool)
    eliminated, remaining = [], []
    for name in frame["criterion"].tolist():
        failed = view.result.criteria[name].outcome == FAIL
        eliminated.append(int((alive & failed).sum()))
        alive &= ~failed
        remaining.append(int(alive.sum()))
    frame["eliminated"] = np.array(eliminated, dtype=np.int64)
    frame["remaining"] = np.array(remaining, dtype=np.int64)
    return frame
