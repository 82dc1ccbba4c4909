"""Batch matching: many briefs against the plots of one or more inventories, to XLSX or GeoPackage.

:func:`run_batch` matches every brief against every inventory. Each inventory's heavy geometry
(:attr:`Inventory.geometry`) is computed once and shared by every brief, and briefs that exclude the
same constraints share the net-area computation (:meth:`PlotGeometry.excluded_area` caches it per
selection). A result is reduced at once to what the files need (status and score of every plot, the
ranked head of the table), so memory stays flat however many briefs run.

:func:`write_batch` writes, by the suffix of the target:

``.xlsx``
    - ``Synthèse``: a row per brief (its sheet, plot counts per status, assemblies, the best three
      plots, the rows its sheet holds);
    - a sheet per brief: its ranked table, DESIGN.md's columns plus ``inventory`` (and
      ``assembly`` when the brief allows assemblies), rows filled green / amber / grey by status;
    - ``Matrice``: every plot of every inventory (rows) x every brief (a status and a score column).

    Every sheet has a frozen header row, an auto-filter, widths that fit the ids, numbers
    formatted per unit, and a print setup (landscape, one page wide, as many pages tall as
    needed, the header row on every page); the ``Synthèse``'s long texts wrap within their
    columns, so that it prints at a readable size. Statuses and outcomes are in French
    (« compatible », « respecté »...). Sheet names are the briefs' names made valid for Excel
    (at most 31 characters, none of ``[]:*?/\\``, unique).
``.gpkg``
    A layer per brief (the same rows as its sheet, with plot geometries, Lambert-93, DESIGN.md's
    codes), a ``synthese`` table, and a ``layer_styles`` table (the QGIS convention) holding a
    style on ``status`` for every layer, so that QGIS opens them coloured by status (assemblies
    drawn above their member plots). The file is GeoPackage 1.2 (QGIS 3.22, GDAL 3.6).

A brief's sheet and layer hold the first ``max_rows`` rows of its ranking (2,000 by default; 0 or
None for all): compatible plots first, then plots to check, then the best incompatible ones. The
``Matrice`` keeps every plot. The workbook is streamed straight to its XML parts by
:mod:`foncier.io.xlsx` (row fills of :data:`foncier.palette.STATUS_TINT`, shared strings for the
statuses and outcomes, cells written from the result arrays), which is what makes hundreds of
briefs x 100,000 plots fit in a minute; openpyxl would take many minutes for the ``Matrice``. The
GeoPackage's styles come from :mod:`foncier.io.qgis_style`.

Both writers write a temporary file beside the target and rename it at the end: an error or an
interruption (Ctrl-C) never leaves a partial file.

:func:`run_batch_to_file` does both (what ``foncier batch`` calls): a workbook's sheets of each
brief are written while the next briefs are matched, in a worker process when it can
(:mod:`foncier.analysis.batch_worker`), else on a worker thread; the summary and the matrix at
the end; the file is the one :func:`write_batch` writes.

Examples
--------
>>> import foncier, tempfile, pathlib, openpyxl
>>> briefs = [foncier.Brief(name="Grand", min_area_ha=10), foncier.Brief(name="Petit")]
>>> batch = run_batch([foncier.open_inventory()], briefs, max_rows=5)
>>> out = write_batch(batch, pathlib.Path(tempfile.mkdtemp()) / "lot.xlsx")
>>> book = openpyxl.load_workbook(out, read_only=True)
>>> book.sheetnames
['Synthèse', 'Grand', 'Petit', '≈ Grand', '≈ Petit', 'Matrice', 'Paramètres']
>>> book.close()
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from foncier import palette
from foncier.analysis.assembly import find_assemblies
from foncier.analysis.audit import audit_record
from foncier.analysis.decision import funnel, near_misses
from foncier.analysis.stability import stability_sentence, weight_stability
from foncier.core.brief import Brief, read_brief
from foncier.core.criteria import OUTCOMES, asked_criteria
from foncier.core.inventory import Inventory
from foncier.core.matching import STATUSES, MatchResult, match, rank_order
from foncier.errors import BriefError, OutputError, Problem
from foncier.io.atomic import atomic_write
from foncier.io.qgis_style import write_layer_styles
from foncier.io.results import (
    AUDIT_SHEET,
    audit_sheet,
    french_labels,
    prefetched,
    write_audit_table,
)
from foncier.io.store import write_gpkg_layer
from foncier.io.xlsx import (
    CHUNK_ROWS,
    SCORE_FORMAT,
    Sheet,
    XlsxStream,
    fit_widths,
    laid_out,
    number_cells_arrow,
    text_cells_arrow,
)
from foncier.wording import OUTCOME_LABELS, STATUS_LABELS, fmt_number

__all__ = ["run_batch", "write_batch", "run_batch_to_file", "read_briefs", "Batch",
           "BriefOutcome", "sheet_names", "layer_names", "summary_frame", "check_batch_suffix",
           "DEFAULT_MAX_ROWS", "BATCH_FORMATS"]

DEFAULT_MAX_ROWS = 2000
BATCH_FORMATS = (".xlsx", ".gpkg")
SUMMARY_SHEET, MATRIX_SHEET, SUMMARY_LAYER = "Synthèse", "Matrice", "synthese"

Progress = Callable[[int, int, str], None]


@dataclass(eq=False)
class BriefOutcome:
    """What a batch keeps of one brief's matches.

    Attributes
    ----------
    brief : Brief
    status : ndarray of int8
        0 match, 1 to_check, 2 no_match, for every plot of the batch (inventories one after the
        other, each in its plot order).
    score : ndarray of float
    counts : dict of str to int
        Plots per status (assemblies not included).
    n_assemblies : int
        Candidate assemblies found (when the brief allows them).
    rows : GeoDataFrame
        The ranked head of the table: DESIGN.md's columns, ``inventory`` (and ``assembly`` when the
        brief allows assemblies), plus the geometry.
    total_rows : int
        Rows of the whole ranking (plots and assemblies).
    near_misses : DataFrame
        :func:`foncier.analysis.decision.near_misses` of every inventory (``inventory`` column
        added), best score first.
    funnel : DataFrame
        :func:`foncier.analysis.decision.funnel` summed over the inventories.
    stability : DataFrame
        :func:`foncier.analysis.stability.weight_stability` of each inventory's best plots
        (``inventory`` column added).
    """

    brief: Brief
    status: np.ndarray
    score: np.ndarray
    counts: dict[str, int]
    n_assemblies: int
    rows: gpd.GeoDataFrame
    total_rows: int
    near_misses: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None
    stability: pd.DataFrame | None = None


@dataclass(eq=False)
class Batch:
    """Every brief matched against every plot of one or more inventories.

    Attributes
    ----------
    inventories : list of Inventory
    names : list of str
        A short name per inventory (the ``inventory`` column).
    plots : DataFrame
        Every plot of the batch: ``inventory``, ``plot_id``, ``site_id``, ``area_ha``.
    outcomes : list of BriefOutcome
        One per brief, in the order given.
    max_rows : int or None
        Rows kept per brief (None: all).
    """

    inventories: list[Inventory]
    names: list[str]
    plots: pd.DataFrame
    outcomes: list[BriefOutcome]
    max_rows: int | None


def _inventory_names(inventories: Sequence[Inventory], names: Sequence[str] | None) -> list[str]:
    if names is not None:
        return list(names)
    out = []
    for i, inv in enumerate(inventories):
        src = inv.source or f"inventaire {i + 1}"
        stem = src.rsplit("/", 1)[-1] if "://" in src else Path(src).stem
        out.append(stem)
    return identifiers(out)


def _head_rows(result: MatchResult, positions: np.ndarray, name: str,
               with_assembly: bool) -> gpd.GeoDataFrame:
    """Result rows of some plots straight from the result arrays (no whole ``.table``)."""
    rows = result.rows(positions, geometry=False)
    rows["inventory"] = name
    if with_assembly:
        rows["assembly"] = ""
    inv = result.inventory
    return gpd.GeoDataFrame(rows, geometry=inv.geometries("plots", positions),
                            crs=inv.layer_crs("plots"))


def _rank(frame: gpd.GeoDataFrame, max_rows: int | None) -> gpd.GeoDataFrame:
    order = rank_order(frame, ties=("plot_id", "inventory"))
    if max_rows:
        order = order[:max_rows]
    out = frame.iloc[order].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def _brief_outcome(brief: Brief, inventories: Sequence[Inventory], names: Sequence[str], *,
                   max_rows: int | None, on: dt.date | None, progress: Progress | None,
                   step: int, total: int) -> BriefOutcome:
    statuses, scores, heads, misses, funnels, stabilities = [], [], [], [], [], []
    n_assemblies = 0
    total_rows = 0
    with_assembly = bool(brief.allow_assembly)
    for inv, name in zip(inventories, names, strict=True):
        result = match(inv, brief, on=on, keep_components=True)   # for the stability
        statuses.append(result.status_code)
        scores.append(result.score)
        head = result.order if not max_rows else result.order[:max_rows]
        heads.append(_head_rows(result, head, name, with_assembly))
        misses.append(_named(near_misses(result, limit=max_rows), name))
        funnels.append(funnel(result))
        stabilities.append(_named(weight_stability(result, top=3), name))
        total_rows += len(result.order)
        if with_assembly:
            found = find_assemblies(result, on=on)
            if len(found):
                found = found.assign(inventory=name)
                heads.append(found[list(heads[-1].columns)])
                n_assemblies += len(found)
                total_rows += len(found)
        step += 1
        if progress is not None:
            progress(step, total, brief.name)
    status = np.concatenate(statuses) if statuses else np.zeros(0, np.int8)
    counts = {s: int((status == i).sum()) for i, s in enumerate(STATUSES)}
    if len(heads) == 1:                 # one inventory, no assembly: already ranked
        rows = heads[0]
        rows["rank"] = np.arange(1, len(rows) + 1)
    else:
        rows = _rank(pd.concat(heads, ignore_index=True), max_rows)
        rows = gpd.GeoDataFrame(rows, geometry="geometry", crs=inventories[0].plots.crs)
    return BriefOutcome(brief=brief, status=status, score=np.concatenate(scores), counts=counts,
                        n_assemblies=n_assemblies, rows=rows, total_rows=total_rows,
                        near_misses=_merge_misses(misses, max_rows), funnel=_merge_funnels(funnels),
                        stability=pd.concat(stabilities, ignore_index=True))


def _named(frame: pd.DataFrame, inventory: str) -> pd.DataFrame:
    """A frame just made for this batch, given its ``inventory`` column in place (``assign``
    would copy it first: 0.75 ms a frame, two frames a brief)."""
    frame["inventory"] = inventory
    return frame


def _merge_misses(frames: list[pd.DataFrame], max_rows: int | None) -> pd.DataFrame:
    """Near misses of every inventory, best score first (``rank``: their order here).

    One inventory's near misses are already in that order (its rank order: score in tenths,
    then ``plot_id``), so they are only cut."""
    if len(frames) == 1:
        out = frames[0].reset_index(drop=True)
    else:
        out = pd.concat(frames, ignore_index=True)
        out = out.sort_values(["score", "plot_id", "inventory"], ascending=[False, True, True],
                              kind="stable", ignore_index=True)
    if max_rows:
        out = out.head(max_rows)
    out["rank"] = np.arange(1, len(out) + 1)
    return out[["rank", "inventory", "plot_id", "site_id", "score", "criterion", "value", "relax",
                "sentence"]]


def _merge_funnels(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:                # one criterion a row already: nothing to sum
        out = frames[0]
    else:
        out = pd.concat(frames).groupby(["criterion", "label"], sort=False, as_index=False).sum()
    return out.sort_values("fails", ascending=False, kind="stable", ignore_index=True)


def run_batch(inventories: Sequence[Inventory], briefs: Sequence[Brief], *,
              names: Sequence[str] | None = None, max_rows: int | None = DEFAULT_MAX_ROWS,
              on: dt.date | None = None, progress: Progress | None = None) -> Batch:
    """Match every brief against every plot of every inventory.

    Parameters
    ----------
    inventories : sequence of Inventory
    briefs : sequence of Brief
    names : sequence of str, optional
        A name per inventory for the ``inventory`` column (default: the file's stem).
    max_rows : int or None, default 2000
        Rows of each brief's ranked table to keep for its sheet and layer (0 or None: all).
    on : date, optional
        The day the score's timing component counts from (today by default).
    progress : callable, optional
        ``progress(done, total, brief_name)`` after each (brief, inventory) match; raising
        ``KeyboardInterrupt`` from it stops the batch.

    Returns
    -------
    Batch

    Examples
    --------
    >>> import foncier
    >>> from foncier.analysis.batch import run_batch
    >>> briefs = [foncier.Brief(name="Grand", min_area_ha=10), foncier.Brief(name="Petit")]
    >>> batch = run_batch([foncier.open_inventory()], briefs)
    >>> [len(o.status) == len(batch.plots) for o in batch.outcomes]
    [True, True]
    """
    inventories, names = _checked_inventories(inventories, names)
    outcomes = list(_outcomes(inventories, briefs, names, max_rows=max_rows, on=on,
                              progress=progress))
    return _batch_of(inventories, names, outcomes, max_rows)


def _checked_inventories(inventories: Sequence[Inventory], names: Sequence[str] | None
                         ) -> tuple[list[Inventory], list[str]]:
    inventories = list(inventories)
    if not inventories:
        raise ValueError("aucun inventaire à traiter")
    return inventories, _inventory_names(inventories, names)


def _batch_of(inventories: list[Inventory], names: list[str], outcomes: list[BriefOutcome],
              max_rows: int | None) -> Batch:
    """The :class:`Batch` of these outcomes, with its table of every plot."""
    frames = []
    for inv, name in zip(inventories, names, strict=True):
        p = inv.attributes("plots")
        frames.append(pd.DataFrame({
            "inventory": np.full(len(p), name, dtype=object),
            "plot_id": p["plot_id"].to_numpy(dtype=object),
            "site_id": p["site_id"].to_numpy(dtype=object),
            "area_ha": np.round(p["area_ha"].to_numpy(), 4),
        }))
    plots = pd.concat(frames, ignore_index=True)
    return Batch(inventories=inventories, names=names, plots=plots, outcomes=outcomes,
                 max_rows=max_rows or None)


def _outcomes(inventories: list[Inventory], briefs: Sequence[Brief], names: list[str], *,
              max_rows: int | None, on: dt.date | None, progress: Progress | None
              ) -> Iterator[BriefOutcome]:
    """Each brief's :class:`BriefOutcome`, in the briefs' order, as it is matched."""
    total = len(briefs) * len(inventories)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-unions") as pool:
        unions = _prefetch_unions(pool, inventories, briefs)
        try:
            for k, brief in enumerate(briefs):
                for job in unions.pop(k, ()):
                    job.result()
                yield _brief_outcome(brief, inventories, names, max_rows=max_rows or None,
                                     on=on, progress=progress, step=k * len(inventories),
                                     total=total)
        finally:
            for jobs in unions.values():    # an error or Ctrl-C: drop the unions not started
                for job in jobs:
                    job.cancel()


def run_batch_to_file(inventories: Sequence[Inventory], briefs: Sequence[Brief],
                      path: str | os.PathLike, *, names: Sequence[str] | None = None,
                      max_rows: int | None = DEFAULT_MAX_ROWS, on: dt.date | None = None,
                      progress: Progress | None = None, audit: dict | None = None,
                      processes: bool | None = None) -> Batch:
    """:func:`run_batch` then :func:`write_batch`, the writing beside the matching.

    For a workbook (``.xlsx``), each brief's sheets are written as soon as the brief is
    matched, while the next ones are; the summary and the matrix, which need every brief, at
    the end. The matching runs in a worker process (:mod:`foncier.analysis.batch_worker`) when
    it can, else on a worker thread. A GeoPackage is written after the matching. The file is
    the one the two steps write.

    Parameters
    ----------
    inventories, briefs, names, max_rows, on
        As for :func:`run_batch`.
    path : path
        The target, as for :func:`write_batch`.
    progress : callable, optional
        ``progress(done, total, what)``. Workbook: after each brief's sheets are written
        (``what``: the brief's name), then after the summary and after the matrix, in the
        calling thread. GeoPackage: as :func:`run_batch` does, then as :func:`write_batch`
        does. Raising ``KeyboardInterrupt`` from it stops the matching and leaves no file.
    audit : dict, optional
        As for :func:`write_batch`.
    processes : bool, optional
        Whether a workbook's briefs are matched in a worker process: by default when
        :func:`foncier.analysis.batch_worker.usable` says so (two cores, inventories opened
        from GeoPackages with the cache, at least 16 briefs); True also for fewer briefs;
        False never (a worker thread).

    Returns
    -------
    Batch
        The batch :func:`run_batch` returns.

    Examples
    --------
    >>> import foncier, tempfile, pathlib, openpyxl
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "lot.xlsx"
    >>> batch = run_batch_to_file([foncier.open_inventory()], [foncier.Brief(name="Atelier")], out)
    >>> openpyxl.load_workbook(out, read_only=True).sheetnames[:2], len(batch.outcomes)
    (['Synthèse', 'Atelier'], 1)
    """
    path = Path(path)
    if check_batch_suffix(path) != ".xlsx":
        batch = run_batch(inventories, briefs, names=names, max_rows=max_rows, on=on,
                          progress=progress)
        write_batch(batch, path, progress=progress, audit=audit)
        return batch
    inventories, names = _checked_inventories(inventories, names)
    briefs = list(briefs)
    if audit is None:
        audit = audit_record(inventories, briefs)
    from foncier.analysis import batch_worker

    if processes is not False and batch_worker.usable(inventories, n_briefs=len(briefs),
                                                      force=bool(processes)):
        day = on or dt.date.today()         # the same day in both processes
        source = batch_worker.matched_in_worker(
            inventories, briefs, names, max_rows=max_rows, on=day,
            rest=lambda k: _outcomes(inventories, briefs[k:], names, max_rows=max_rows,
                                     on=day, progress=None))
    else:
        source = _outcomes(inventories, briefs, names, max_rows=max_rows, on=on,
                           progress=None)
    # A few outcomes ahead: a worker process never waits for the writing.
    outcomes = prefetched(source, ahead=4)
    try:
        with atomic_write(path) as tmp:
            return _write_xlsx(briefs, outcomes, tmp, progress, audit,
                               lambda done: _batch_of(inventories, names, done, max_rows))
    finally:
        outcomes.close()        # an error or Ctrl-C: the worker stops after its brief


def _prefetch_unions(pool: ThreadPoolExecutor, inventories: Sequence[Inventory],
                     briefs: Sequence[Brief]) -> dict[int, list[Future]]:
    """Start the union of each distinct selection of excluded constraints on ``pool``'s thread
    (GEOS releases the GIL), in the briefs' order, while the briefs are matched: brief ``k``
    waits for the unions listed under ``k`` (those it is the first to need), then finds them
    in :meth:`PlotGeometry.excluded_area`'s cache."""
    jobs: dict[int, list[Future]] = {}
    seen: set[tuple[int, tuple[int, ...]]] = set()
    geos = [inv.geometry for inv in inventories]
    for k, brief in enumerate(briefs):
        if not brief.excluded_constraints:
            continue
        for i, geo in enumerate(geos):
            key = geo.groups_for(list(brief.excluded_constraints))
            if key and (i, key) not in seen:
                seen.add((i, key))
                jobs.setdefault(k, []).append(pool.submit(geo.excluded_area, key))
    return jobs


def read_briefs(paths: Iterable[str | os.PathLike]) -> list[Brief]:
    """Read briefs from TOML files and folders (every ``*.toml`` in it, by name).

    Every file's problems are collected and reported together in one :class:`BriefError`.
    """
    files: list[Path] = []
    problems = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                problems.append(_problem(str(path), "ce dossier ne contient aucun fichier .toml "
                                         "de cahier des charges."))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(_problem(str(path), "fichier introuvable : vérifiez le chemin."))
    briefs = []
    for f in files:
        try:
            briefs.append(read_brief(f))
        except BriefError as exc:
            src = exc.source or str(f)
            problems.extend(_problem(q.where if q.where == src else f"{src}: {q.where}",
                                     q.message, row=q.row) for q in exc.problems)
    if problems:
        raise BriefError(problems)
    if not briefs:
        raise BriefError([_problem("--briefs", "aucun cahier des charges à traiter.")])
    return briefs


def _problem(where: str, message: str, row: str | None = None) -> Problem:
    return Problem(where, row, message)


# ----------------------------------------------------------------------------- names

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: Sequence[str], *, reserved: Sequence[str] = (SUMMARY_SHEET, MATRIX_SHEET)
                ) -> list[str]:
    """Valid, unique Excel sheet names (≤ 31 characters, none of ``[]:*?/\\``).

    Examples
    --------
    >>> sheet_names(["Projet: A/B", "Projet: A/B", "x" * 40])
    ['Projet A B', 'Projet A B (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    taken = {r.casefold() for r in reserved}
    out = []
    for raw in names:
        base = _SHEET_BAD.sub(" ", raw)
        base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "Projet"
        if base.casefold() == "history":
            base = "Projet History"
        name, k = base[:31], 1
        while name.casefold() in taken:
            k += 1
            suffix = f" ({k})"
            name = base[: 31 - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def layer_names(names: Sequence[str]) -> list[str]:
    """Valid, unique GeoPackage table names: lowercase ASCII letters, digits and ``_``.

    Examples
    --------
    >>> layer_names(["Projet Volta - gigafactory", "Projet Volta - gigafactory", "2 ha"])
    ['projet_volta_gigafactory', 'projet_volta_gigafactory_2', 'p_2_ha']
    """
    taken = {SUMMARY_LAYER, "layer_styles", "foncier_audit"}
    out = []
    for raw in names:
        ascii_ = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")[:50] or "projet"
        if base[0].isdigit() or base.startswith(("gpkg_", "rtree_", "sqlite_")):
            base = f"p_{base}"
        out.append(_first_free(base, taken, "{}_{}"))
    return out


def _first_free(name: str, taken: set[str], numbered: str) -> str:
    """``name``, else ``numbered.format(name, k)`` for the first k = 2, 3... not in ``taken``;
    the result is added to ``taken``."""
    found, k = name, 1
    while found in taken:
        k += 1
        found = numbered.format(name, k)
    taken.add(found)
    return found


# ----------------------------------------------------------------------------- summary


def _best_text(rows: gpd.GeoDataFrame, i: int, several: bool) -> str:
    if i >= len(rows):
        return ""
    r = rows.iloc[i]
    where = f" ({r['inventory']})" if several else ""
    return (f"{r['plot_id']}{where} — {STATUS_LABELS[r['status']]} — "
            f"{fmt_number(r['score'], 1)}")


def summary_frame(batch: Batch, sheets: Sequence[str]) -> pd.DataFrame:
    """The ``Synthèse``: a row per brief."""
    several = len(batch.names) > 1
    rows = []
    for o, sheet in zip(batch.outcomes, sheets, strict=True):
        rows.append({
            "Projet": o.brief.name,
            "Feuille": sheet,
            "Terrains": len(o.status),
            "Compatibles": o.counts["match"],
            "À vérifier": o.counts["to_check"],
            "Incompatibles": o.counts["no_match"],
            "Assemblages": o.n_assemblies,
            "Meilleur terrain 1": _best_text(o.rows, 0, several),
            "Meilleur terrain 2": _best_text(o.rows, 1, several),
            "Meilleur terrain 3": _best_text(o.rows, 2, several),
            "Lignes de la feuille": len(o.rows),
            "Lignes du classement": o.total_rows,
            "Presque compatibles": 0 if o.near_misses is None else len(o.near_misses),
            "Entonnoir": _funnel_text(o.funnel),
            "Stabilité du trio de tête": _stability_text(o.stability),
        })
    return pd.DataFrame(rows)


def _funnel_text(frame: pd.DataFrame | None) -> str:
    """« Surface : 267 (34 seul) ; Eau : 188 (9 seul) » — fails and only fails, most first."""
    if frame is None:
        return ""
    return " ; ".join(f"{r.label} : {r.fails} ({r.only_fail} seul)"
                      for r in frame.itertuples(index=False) if r.fails)


def _stability_text(frame: pd.DataFrame | None) -> str:
    """Per weight, the interval keeping the first three (first inventory with plots)."""
    if frame is None or not len(frame):
        return ""
    first = frame[frame["inventory"] == frame["inventory"].iloc[0]].drop_duplicates("weight")
    return " ; ".join(stability_sentence(r.weight, r.top3_low, r.top3_high, current=r.current)
                      for r in first.itertuples(index=False))


# ----------------------------------------------------------------------------- XLSX

#: The workbook's shared strings: statuses and outcomes in French (« compatible »,
#: « respecté »...), the only texts repeated on every row; the GeoPackage keeps DESIGN's codes.
_STATUS_TEXT = [STATUS_LABELS[s] for s in STATUSES.tolist()]
_SHARED = (*_STATUS_TEXT, *(OUTCOME_LABELS[o] for o in OUTCOMES.tolist()))
_WIDTHS = {"rank": 6, "plot_id": 16, "site_id": 12, "status": 10, "score": 7, "area_ha": 9,
           "net_area_ha": 11, "reasons": 90, "inventory": 14, "assembly": 28}
#: The « Synthèse »'s widths: printed landscape on one page wide, its long texts (names, best
#: plots, funnel, stability) wrap within their columns instead of shrinking the page (at 400
#: characters wide, unwrapped, it printed at a third of its size, unreadable).
_SUMMARY_WIDTHS = [18, 14, 9, 12, 10, 13, 12, 16, 16, 16, 10, 11, 12, 24, 26]
_SUMMARY_WRAP = ("Projet", "Feuille", "Meilleur terrain 1", "Meilleur terrain 2",
                 "Meilleur terrain 3", "Entonnoir", "Stabilité du trio de tête")
_NEAR_WIDTHS = [6, 14, 16, 12, 7, 14, 10, 24, 60]
NEAR_PREFIX = "≈ "
_TOO_BIG = "écrivez un GeoPackage (.gpkg) ou réduisez le nombre de projets."


def _brief_sheet(outcome: BriefOutcome, sheet: str) -> Sheet:
    """A brief's ranked rows, each filled with its status's tint; statuses and outcomes are
    shared strings."""
    rows = outcome.rows
    frame = french_labels(rows, columns=[c for c in rows.columns if c != rows.geometry.name])
    fixed = {c: w for c, w in _WIDTHS.items() if c not in ("plot_id", "site_id", "inventory")}
    # Each row's status code (-1, no fill, for none): a Series.map costs 1.3 ms per sheet.
    fills = pd.Categorical(rows["status"], categories=STATUSES).codes.astype(np.int64)
    return Sheet(sheet, frame, widths=fit_widths(frame, fixed=fixed, minimum=6, maximum=40),
                 freeze_cols=2, row_fills=fills,
                 shared_columns=("status", *asked_criteria(outcome.brief)))


def _matrix_pair_table(book: XlsxStream) -> pa.Array:
    """Cell pairs (status, score) for every status code x score in tenths: 3 x 1001 strings,
    both cells filled with the status's tint."""
    out = np.empty(3 * 1001, dtype=object)
    for code, status in enumerate(STATUSES.tolist()):
        # The status inset: the figures of the score before it (or the area) would touch it.
        s, ref = book.style(code, inset=True), book.shared_index[STATUS_LABELS[status]]
        score = book.style(code, SCORE_FORMAT)
        for tenth in range(1001):
            out[code * 1001 + tenth] = (f'<c s="{s}" t="s"><v>{ref}</v></c>'
                                        f'<c s="{score}"><v>{tenth / 10:g}</v></c>')
    return pa.array(out, type=pa.string())


def _matrix_chunks(batch: Batch, book: XlsxStream, pairs: pa.Array) -> Iterable[memoryview]:
    """Every plot's row: its identity, then each brief's status and score. The row openings
    with the identity cells and the 3 x 1001 possible (status, score) ``pairs``
    (:func:`_matrix_pair_table`) are written once; each chunk of rows is one Arrow ``take`` of
    them (by status code and score in tenths), so no cell is formatted per plot and brief."""
    plots = batch.plots
    n = len(plots)
    styles = book.styles_pa(None, n, inset=True)
    numbers = pa.array(np.arange(2, n + 2, dtype=np.int64)).cast(pa.string())
    ids = [text_cells_arrow(plots[c].to_numpy(dtype=object), styles)
           for c in ("inventory", "plot_id", "site_id")]
    ids.append(number_cells_arrow(plots["area_ha"].to_numpy(dtype=float),
                                  book.styles_pa(None, n, "0.00")))
    opening = pc.binary_join_element_wise('<row r="', numbers, '">', *ids, "")
    status = np.stack([o.status for o in batch.outcomes], axis=1) if batch.outcomes else None
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        m = stop - start
        index = np.empty((m, len(batch.outcomes) + 2), dtype=np.int64)
        index[:, 0] = len(pairs) + np.arange(m)           # the row's opening and identity
        if status is not None:
            scores = np.stack([o.score[start:stop] for o in batch.outcomes], axis=1)
            index[:, 1:-1] = (status[start:stop].astype(np.int64) * 1001
                              + np.clip(np.rint(scores * 10), 0, 1000).astype(np.int64))
        index[:, -1] = len(pairs) + m                    # </row>
        yield laid_out([pairs, opening.slice(start, m)], m, index=index)


def _near_sheet(outcome: BriefOutcome, sheet: str) -> Sheet:
    frame = outcome.near_misses if outcome.near_misses is not None else pd.DataFrame()
    frame = french_labels(frame.reset_index(drop=True))
    widths = [max(w, f) for w, f in zip(_NEAR_WIDTHS, fit_widths(frame, maximum=40),
                                        strict=False)]
    return Sheet(sheet, frame, widths=widths[:len(frame.columns)], freeze_cols=2)


def _write_xlsx(briefs: Sequence[Brief], outcomes: Iterable[BriefOutcome], tmp: Path,
                progress: Progress | None, audit: dict,
                batch_of: Callable[[list[BriefOutcome]], Batch]) -> Batch:
    """The workbook: the summary, a sheet per brief, a sheet of each brief's near misses, the
    matrix, then the « Paramètres » (the audit record).

    The briefs' sheets are written as their ``outcomes`` come (one per brief, in order), then
    the summary and the matrix of ``batch_of(outcomes)``, which is returned."""
    names = [b.name for b in briefs]
    n = len(names)
    both = sheet_names([*names, *(NEAR_PREFIX + n for n in names)],
                       reserved=(SUMMARY_SHEET, MATRIX_SHEET, AUDIT_SHEET))
    sheets, near = both[:n], both[n:]
    total = n + 2
    fills = [palette.STATUS_TINT[s] for s in STATUSES.tolist()]
    with XlsxStream(tmp, fills=fills, shared=_SHARED, limit_hint=_TOO_BIG) as book:
        # The Matrice's cells made first: its 2 x plots x briefs cells take the first styles,
        # one digit each (two digits cost 20 MB more XML at 200 briefs x 100,000 plots).
        pairs = _matrix_pair_table(book)
        done: list[BriefOutcome] = []
        for k, o in enumerate(outcomes):
            book.frame_sheet(_brief_sheet(o, sheets[k]), place=1 + k)
            book.frame_sheet(_near_sheet(o, near[k]), place=1 + n + k)
            done.append(o)
            if progress is not None:
                progress(k + 1, total, sheets[k])
        if len(done) != n:
            raise RuntimeError(f"{len(done)} outcomes for {n} briefs")
        batch = batch_of(done)
        book.frame_sheet(Sheet(SUMMARY_SHEET, summary_frame(batch, sheets),
                               widths=_SUMMARY_WIDTHS, freeze_cols=1,
                               wrap_columns=_SUMMARY_WRAP), place=0)
        if progress is not None:
            progress(n + 1, total, SUMMARY_SHEET)
        header = ["inventory", "plot_id", "site_id", "area_ha"]
        for sheet in sheets:
            header += [f"{sheet} — statut", f"{sheet} — score"]
        ids = fit_widths(batch.plots[["inventory", "plot_id", "site_id"]], maximum=40)
        book.sheet(MATRIX_SHEET, header, _matrix_chunks(batch, book, pairs),
                   n_rows=len(batch.plots),
                   widths=ids + [9] + [14, 8] * len(sheets), freeze_cols=2, place=1 + 2 * n)
        book.frame_sheet(audit_sheet(audit), place=2 + 2 * n)
        if progress is not None:
            progress(total, total, MATRIX_SHEET)
    return batch


# ----------------------------------------------------------------------------- GeoPackage

_METADATA = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions", "gpkg_ogr_contents")


def _merge_table(con: sqlite3.Connection, part: Path, table: str) -> None:
    """Copy one table written by GDAL in another GeoPackage into ``con``: its DDL verbatim, its
    rows, its R-tree index, its metadata rows, then its triggers (last, so that they do not fire
    on the copy: they call GDAL's SQL functions, which plain sqlite3 lacks)."""
    con.execute("ATTACH DATABASE ? AS part", (str(part),))
    try:
        con.execute("BEGIN")
        rtree = f"rtree_{table}_"
        objects = con.execute(
            "SELECT type, name, sql FROM part.sqlite_master WHERE sql IS NOT NULL AND "
            "(tbl_name = ? OR (name LIKE ? ESCAPE '\\' AND type = 'table'))",
            (table, rtree.replace("_", "\\_") + "%")).fetchall()
        shadow = ("_node", "_parent", "_rowid")
        tables = [(n, q) for t, n, q in objects if t == "table" and not
                  (n.startswith(rtree) and n.endswith(shadow))]
        for name, sql in tables:
            con.execute(sql)
            con.execute(f'INSERT INTO main."{name}" SELECT * FROM part."{name}"')
        con.execute("INSERT OR IGNORE INTO main.gpkg_spatial_ref_sys "
                    "SELECT * FROM part.gpkg_spatial_ref_sys")
        ddl = dict(con.execute("SELECT name, sql FROM part.sqlite_master"))
        have = {r[0] for r in con.execute("SELECT name FROM main.sqlite_master")}
        for meta in _METADATA:
            if meta in ddl:
                if meta not in have:
                    con.execute(ddl[meta])
                con.execute(f"INSERT INTO main.{meta} SELECT * FROM part.{meta} "
                            "WHERE lower(table_name) = lower(?)", (table,))
        for kind, _, sql in objects:
            if kind in ("index", "trigger"):
                con.execute(sql)
        con.execute("COMMIT")
    finally:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.execute("DETACH DATABASE part")


def identifiers(names: Sequence[str]) -> list[str]:
    """Unique GeoPackage layer identifiers (``gpkg_contents.identifier`` is UNIQUE): the names,
    a repeated one numbered ``(2)``, ``(3)``...

    Examples
    --------
    >>> identifiers(["A", "A", "a"])
    ['A', 'A (2)', 'a']
    """
    seen: set[str] = set()
    return [_first_free(name, seen, "{} ({})") for name in names]


def _write_gpkg(batch: Batch, tmp: Path, progress: Progress | None, audit: dict) -> None:
    """Each layer is written by pyogrio into its own small GeoPackage, then merged with sqlite3:
    GDAL's cost of adding a layer grows with the layers a file already holds, so writing hundreds
    of layers into one file directly would take quadratic time."""
    names = [o.brief.name for o in batch.outcomes]
    both = layer_names([*names, *(n + " presque" for n in names)])
    layers, near = both[:len(names)], both[len(names):]
    idents = identifiers([*names, *(NEAR_PREFIX + n for n in names)])
    total = len(batch.outcomes) + 2
    summary = summary_frame(batch, sheet_names(names))
    summary.insert(2, "Couche", layers)
    summary.insert(3, "Couche presque compatibles", near)
    write_gpkg_layer(summary, tmp, SUMMARY_LAYER)
    write_audit_table(tmp, audit)
    with tempfile.TemporaryDirectory(prefix=f"{tmp.name}-parts-", dir=tmp.parent) as work:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute("PRAGMA synchronous = OFF")
            for k, (o, layer) in enumerate(zip(batch.outcomes, layers, strict=True)):
                part = Path(work) / f"{k}.gpkg"
                write_gpkg_layer(o.rows, part, layer, layer_options={"IDENTIFIER": idents[k]})
                _merge_table(con, part, layer)
                part.unlink()
                part = Path(work) / f"{k}-near.gpkg"
                write_gpkg_layer(o.near_misses, part, near[k],
                                 layer_options={"IDENTIFIER": idents[len(names) + k]})
                _merge_table(con, part, near[k])
                part.unlink()
                if progress is not None:
                    progress(k + 1, total, layer)
        finally:
            con.close()
    if progress is not None:
        progress(total - 1, total, SUMMARY_LAYER)
    write_layer_styles(tmp, layers, [f"« {name} » : terrains colorés par statut (foncier)"
                                      for name in names])
    if progress is not None:
        progress(total, total, "layer_styles")


def write_batch(batch: Batch, path: str | os.PathLike, *, progress: Progress | None = None,
                audit: dict | None = None) -> Path:
    """Write a batch to an Excel workbook (``.xlsx``) or a GeoPackage (``.gpkg``), atomically.

    Parameters
    ----------
    batch : Batch
        From :func:`run_batch`.
    path : path
        The target; its suffix chooses the format.
    progress : callable, optional
        ``progress(done, total, part)`` after each sheet or layer; raising ``KeyboardInterrupt``
        from it stops the writing and leaves no file.
    audit : dict, optional
        The audit record (:func:`foncier.analysis.audit.audit_record`); by default the batch's
        (its inventories and briefs, now). XLSX: the « Paramètres » sheet; GeoPackage: the
        ``foncier_audit`` table.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import foncier, tempfile, pathlib
    >>> from foncier.analysis.batch import run_batch, write_batch
    >>> batch = run_batch([foncier.open_inventory()], [foncier.Brief(name="Atelier")])
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "lot.xlsx"
    >>> write_batch(batch, out).name
    'lot.xlsx'
    """
    path = Path(path)
    suffix = check_batch_suffix(path)
    if audit is None:
        audit = audit_record(batch.inventories, [o.brief for o in batch.outcomes])
    with atomic_write(path) as tmp:
        if suffix == ".xlsx":
            _write_xlsx([o.brief for o in batch.outcomes], batch.outcomes, tmp, progress,
                        audit, lambda done: batch)
        else:
            _write_gpkg(batch, tmp, progress, audit)
    return path


def check_batch_suffix(path: Path) -> str:
    """The batch output's suffix, or an :class:`OutputError` naming the accepted ones."""
    suffix = path.suffix.lower()
    if suffix not in BATCH_FORMATS:
        raise OutputError(f"{path}: format de sortie inconnu « {path.suffix or '(aucun)'} » pour "
                          "un traitement par lot : choisissez .xlsx (classeur Excel) ou .gpkg "
                          "(GeoPackage pour QGIS).")
    return suffix
