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

    Every sheet has a frozen header row and an auto-filter. Sheet names are the briefs' names made
    valid for Excel (at most 31 characters, none of ``[]:*?/\\``, unique).
``.gpkg``
    A layer per brief (the same rows as its sheet, with plot geometries, Lambert-93), a
    ``synthese`` table, and a ``layer_styles`` table (the QGIS convention) holding a categorized
    style on ``status`` for every layer, so that QGIS opens them coloured by status.

A brief's sheet and layer hold the first ``max_rows`` rows of its ranking (2,000 by default; 0 or
None for all): compatible plots first, then plots to check, then the best incompatible ones. The
``Matrice`` keeps every plot. The workbook is streamed straight to its XML parts (a few fixed
styles, inline strings, cells written from the result arrays), which is what makes hundreds of
briefs x 100,000 plots fit in a minute; openpyxl would take many minutes for the ``Matrice``.

Both writers write a temporary file beside the target and rename it at the end: an error or an
interruption (Ctrl-C) never leaves a partial file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from foncier.analysis.assembly import find_assemblies
from foncier.core.brief import Brief, read_brief
from foncier.core.criteria import asked_criteria
from foncier.core.inventory import Inventory
from foncier.core.matching import STATUS_CODES, STATUSES, MatchResult, match, rank_order
from foncier.errors import BriefError, OutputError
from foncier.io.store import atomic_write
from foncier.wording import STATUS_LABELS, fmt_number

__all__ = ["run_batch", "write_batch", "read_briefs", "Batch", "BriefOutcome", "sheet_names",
           "layer_names", "status_style_qml", "DEFAULT_MAX_ROWS", "BATCH_FORMATS"]

DEFAULT_MAX_ROWS = 2000
BATCH_FORMATS = (".xlsx", ".gpkg")
#: Fill colours by status (RGB hex): green, amber, grey.
STATUS_COLOURS = {"match": "C6EFCE", "to_check": "FFE699", "no_match": "D9D9D9"}
#: Outline-free QGIS fill colours by status (r, g, b).
QGIS_COLOURS = {"match": (46, 160, 67), "to_check": (240, 173, 0), "no_match": (160, 160, 160)}
SUMMARY_SHEET, MATRIX_SHEET, SUMMARY_LAYER = "Synthèse", "Matrice", "synthese"
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384

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
    """

    brief: Brief
    status: np.ndarray
    score: np.ndarray
    counts: dict[str, int]
    n_assemblies: int
    rows: gpd.GeoDataFrame
    total_rows: int


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
    seen: dict[str, int] = {}
    for i, n in enumerate(out):
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            out[i] = f"{n} ({seen[n]})"
    return out


def _head_rows(result: MatchResult, positions: np.ndarray, name: str,
               with_assembly: bool) -> gpd.GeoDataFrame:
    """Result rows of some plots straight from the result arrays (no whole ``.table``)."""
    rows = result.rows(positions)
    geometry = rows.pop("geometry")
    rows["inventory"] = name
    if with_assembly:
        rows["assembly"] = ""
    return gpd.GeoDataFrame(rows, geometry=geometry.to_numpy(), crs=result.inventory.plots.crs)


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
    statuses, scores, heads = [], [], []
    n_assemblies = 0
    total_rows = 0
    with_assembly = bool(brief.allow_assembly)
    for inv, name in zip(inventories, names, strict=True):
        result = match(inv, brief, on=on)
        statuses.append(result.status_code)
        scores.append(result.score)
        head = result.order if not max_rows else result.order[:max_rows]
        heads.append(_head_rows(result, head, name, with_assembly))
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
    rows = _rank(pd.concat(heads, ignore_index=True), max_rows) if heads else heads
    rows = gpd.GeoDataFrame(rows, geometry="geometry", crs=inventories[0].plots.crs)
    return BriefOutcome(brief=brief, status=status, score=np.concatenate(scores), counts=counts,
                        n_assemblies=n_assemblies, rows=rows, total_rows=total_rows)


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
    inventories = list(inventories)
    if not inventories:
        raise ValueError("aucun inventaire à traiter")
    names = _inventory_names(inventories, names)
    frames = []
    for inv, name in zip(inventories, names, strict=True):
        p = inv.plots
        frames.append(pd.DataFrame({
            "inventory": np.full(len(p), name, dtype=object),
            "plot_id": p["plot_id"].to_numpy(dtype=object),
            "site_id": p["site_id"].to_numpy(dtype=object),
            "area_ha": np.round(p["area_ha"].to_numpy(), 4),
        }))
    plots = pd.concat(frames, ignore_index=True)
    total = len(briefs) * len(inventories)
    outcomes = [_brief_outcome(brief, inventories, names, max_rows=max_rows or None, on=on,
                               progress=progress, step=k * len(inventories), total=total)
                for k, brief in enumerate(briefs)]
    return Batch(inventories=inventories, names=names, plots=plots, outcomes=outcomes,
                 max_rows=max_rows or None)


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


def _problem(where: str, message: str, row: str | None = None):
    from foncier.errors import Problem

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
    taken = {SUMMARY_LAYER, "layer_styles"}
    out = []
    for raw in names:
        ascii_ = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")[:50] or "projet"
        if base[0].isdigit() or base.startswith(("gpkg_", "rtree_", "sqlite_")):
            base = f"p_{base}"
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name)
        out.append(name)
    return out


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
        })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- XLSX streaming

_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: The shared strings: statuses and outcomes, the only repeated texts.
_SST = ("match", "to_check", "no_match", "pass", "fail", "unknown")
_STYLE_HEADER = 1
_STYLE_STATUS = (2, 3, 4)      # cellXfs of match / to_check / no_match rows
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _esc(text: str) -> str:
    return (text.translate(_CONTROL).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def _col(n: int) -> str:
    """Excel column letters of a 0-based column index."""
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _style_attrs(codes: np.ndarray) -> np.ndarray:
    return np.array([f' s="{s}"' for s in _STYLE_STATUS], dtype=object)[codes]


def _text_cells(values: np.ndarray, styles: np.ndarray) -> list[str]:
    return [f"<c{s}/>" if v is None or v != v or v == "" else
            f'<c{s} t="inlineStr"><is><t xml:space="preserve">{_esc(str(v))}</t></is></c>'
            for v, s in zip(values.tolist(), styles.tolist(), strict=True)]


def _number_cells(values: np.ndarray, styles: np.ndarray) -> list[str]:
    """Number cells (ints stay ints); NaN gives an empty cell."""
    return [f"<c{s}/>" if v != v else f"<c{s}><v>{v}</v></c>"
            for v, s in zip(values.tolist(), styles.tolist(), strict=True)]


def _shared_cells(values: np.ndarray, styles: np.ndarray) -> list[str]:
    index = {t: i for i, t in enumerate(_SST)}
    return [f'<c{s} t="s"><v>{index[v]}</v></c>'
            for v, s in zip(values.tolist(), styles.tolist(), strict=True)]


def _rows_xml(columns: list[list[str]], first_row: int) -> str:
    """Join column-wise cell strings into ``<row>`` elements (row numbers from first_row)."""
    n = len(columns[0]) if columns else 0
    grid = np.empty((n, len(columns) + 2), dtype=object)
    grid[:, 0] = [f'<row r="{i}">' for i in range(first_row, first_row + n)]
    for j, cells in enumerate(columns, start=1):
        grid[:, j] = cells
    grid[:, -1] = "</row>"
    return "".join(grid.ravel().tolist())


class _XlsxStream:
    """A minimal streaming XLSX writer: sheets go straight into the zip, one after the other."""

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[tuple[str, str]] = []

    def sheet(self, name: str, header: Sequence[str], chunks: Iterable[str], *, n_rows: int,
              widths: Sequence[float], freeze_cols: int = 0) -> None:
        n_cols = len(header)
        if n_rows + 1 > EXCEL_MAX_ROWS or n_cols > EXCEL_MAX_COLS:
            raise OutputError(f"feuille « {name} » : {n_rows} lignes x {n_cols} colonnes "
                              "dépassent les limites d'Excel (1 048 576 x 16 384) : écrivez un "
                              "GeoPackage (.gpkg) ou réduisez le nombre de projets.")
        ref = f"A1:{_col(max(n_cols, 1) - 1)}{n_rows + 1}"
        top_left = f"{_col(freeze_cols)}2"
        pane_kind = "bottomRight" if freeze_cols else "bottomLeft"
        x_split = f' xSplit="{freeze_cols}"' if freeze_cols else ""
        tab = ' tabSelected="1"' if not self.sheets else ""
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(widths, start=1))
        head = "".join(f'<c s="{_STYLE_HEADER}" t="inlineStr"><is><t>{_esc(h)}</t></is></c>'
                       for h in header)
        index = len(self.sheets) + 1
        with self.zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as f:
            f.write((
                f"{_XML_HEAD}<worksheet {_NS}><dimension ref=\"{ref}\"/>"
                f"<sheetViews><sheetView workbookViewId=\"0\"{tab}>"
                f"<pane{x_split} ySplit=\"1\" topLeftCell=\"{top_left}\" "
                f"activePane=\"{pane_kind}\" state=\"frozen\"/>"
                f"<selection pane=\"{pane_kind}\"/></sheetView></sheetViews>"
                f"<sheetFormatPr defaultRowHeight=\"15\"/><cols>{cols}</cols><sheetData>"
                f"<row r=\"1\">{head}</row>").encode())
            for chunk in chunks:
                f.write(chunk.encode())
            f.write(f'</sheetData><autoFilter ref="{ref}"/></worksheet>'.encode())
        self.sheets.append((name, ref))

    def close(self) -> None:
        n = len(self.sheets)
        sheets = "".join(f'<sheet name="{_esc(name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, (name, _) in enumerate(self.sheets, start=1))
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_esc(_quote_sheet(name))}!{_absolute(ref)}</definedName>"
            for i, (name, ref) in enumerate(self.sheets))
        self.zip.writestr("xl/workbook.xml", (
            f"{_XML_HEAD}<workbook {_NS}><bookViews><workbookView/></bookViews>"
            f"<sheets>{sheets}</sheets><definedNames>{filters}</definedNames></workbook>"))
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1))
        rels += (f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                 f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{rels}</Relationships>'))
        self.zip.writestr("_rels/.rels", (
            f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'))
        over = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1))
        self.zip.writestr("[Content_Types].xml", (
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            f'sheet.main+xml"/>{over}<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'styles+xml"/><Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/></Types>'))
        self.zip.writestr("xl/styles.xml", _styles_xml())
        sst = "".join(f"<si><t>{t}</t></si>" for t in _SST)
        self.zip.writestr("xl/sharedStrings.xml", (
            f'{_XML_HEAD}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'uniqueCount="{len(_SST)}">{sst}</sst>'))
        self.zip.close()

    def abort(self) -> None:
        self.zip.close()


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    a, b = ref.split(":")
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", x) for x in (a, b))


def _styles_xml() -> str:
    fills = "".join(
        f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/><bgColor indexed="64"/>'
        '</patternFill></fill>'
        for c in (*STATUS_COLOURS.values(), "DDEBF7"))
    xfs = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="5" borderId="0" xfId="0" applyFont="1" '
           'applyFill="1"/>')
    xfs += "".join(f'<xf numFmtId="0" fontId="0" fillId="{i}" borderId="0" xfId="0" '
                   'applyFill="1"/>' for i in (2, 3, 4))
    return (f'{_XML_HEAD}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            'main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/>'
            '</font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            f'<fills count="6"><fill><patternFill patternType="none"/></fill><fill><patternFill '
            f'patternType="gray125"/></fill>{fills}</fills><borders count="1"><border><left/>'
            '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
            'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="5">{xfs}</cellXfs><cellStyles count="1"><cellStyle name="Normal" '
            'xfId="0" builtinId="0"/></cellStyles></styleSheet>')


_WIDTHS = {"rank": 6, "plot_id": 16, "site_id": 12, "status": 10, "score": 7, "area_ha": 9,
           "net_area_ha": 11, "reasons": 90, "inventory": 14, "assembly": 28}
_CHUNK = 5000


def _table_chunks(rows: pd.DataFrame, columns: Sequence[str], outcome_cols: set[str]
                  ) -> Iterable[str]:
    """A brief's ranked rows as XML, the row's fill following its status."""
    status = rows["status"].map(STATUS_CODES).to_numpy()
    for start in range(0, len(rows), _CHUNK):
        part = rows.iloc[start:start + _CHUNK]
        styles = _style_attrs(status[start:start + _CHUNK])
        cells = []
        for col in columns:
            values = part[col].to_numpy()
            if col == "status" or col in outcome_cols:
                cells.append(_shared_cells(values, styles))
            elif col in ("rank", "score", "area_ha", "net_area_ha"):
                cells.append(_number_cells(values, styles))
            else:
                cells.append(_text_cells(values.astype(object), styles))
        yield _rows_xml(cells, start + 2)


def _matrix_pair_table() -> np.ndarray:
    """Cell pairs (status, score) for every status code x score in tenths: 3 x 1001 strings."""
    out = np.empty(3 * 1001, dtype=object)
    for code in range(3):
        s = _STYLE_STATUS[code]
        for tenth in range(1001):
            out[code * 1001 + tenth] = (f'<c s="{s}" t="s"><v>{code}</v></c>'
                                        f'<c s="{s}"><v>{tenth / 10:g}</v></c>')
    return out


def _matrix_chunks(batch: Batch) -> Iterable[str]:
    plots = batch.plots
    pairs = _matrix_pair_table()
    n = len(plots)
    keys = [(o.status.astype(np.int32) * 1001
             + np.clip(np.rint(o.score * 10), 0, 1000).astype(np.int32)) for o in batch.outcomes]
    styles = np.full(n, "", dtype=object)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        part = plots.iloc[start:stop]
        st = styles[start:stop]
        cells = [_text_cells(part["inventory"].to_numpy(dtype=object), st),
                 _text_cells(part["plot_id"].to_numpy(dtype=object), st),
                 _text_cells(part["site_id"].to_numpy(dtype=object), st),
                 _number_cells(part["area_ha"].to_numpy(dtype=float), st)]
        cells += [pairs[k[start:stop]].tolist() for k in keys]
        yield _rows_xml(cells, start + 2)


def _write_xlsx(batch: Batch, tmp: Path, progress: Progress | None) -> None:
    sheets = sheet_names([o.brief.name for o in batch.outcomes])
    total = len(batch.outcomes) + 2
    book = _XlsxStream(tmp)
    try:
        summary = summary_frame(batch, sheets)
        neutral = np.full(len(summary), "", dtype=object)
        cells = []
        for col in summary.columns:
            values = summary[col].to_numpy()
            if pd.api.types.is_numeric_dtype(summary[col]):
                cells.append(_number_cells(values, neutral))
            else:
                cells.append(_text_cells(values.astype(object), neutral))
        widths = [34, 24, 10, 12, 11, 13, 12, 36, 36, 36, 12, 12]
        book.sheet(SUMMARY_SHEET, list(summary.columns),
                   [_rows_xml(cells, 2)] if len(summary) else [], n_rows=len(summary),
                   widths=widths, freeze_cols=1)
        if progress is not None:
            progress(1, total, SUMMARY_SHEET)
        for k, (o, sheet) in enumerate(zip(batch.outcomes, sheets, strict=True)):
            columns = [c for c in o.rows.columns if c != "geometry"]
            outcome_cols = set(asked_criteria(o.brief))
            book.sheet(sheet, columns, _table_chunks(o.rows, columns, outcome_cols),
                       n_rows=len(o.rows), widths=[_WIDTHS.get(c, 12) for c in columns],
                       freeze_cols=2)
            if progress is not None:
                progress(k + 2, total, sheet)
        header = ["inventory", "plot_id", "site_id", "area_ha"]
        for sheet in sheets:
            header += [f"{sheet} — statut", f"{sheet} — score"]
        book.sheet(MATRIX_SHEET, header, _matrix_chunks(batch), n_rows=len(batch.plots),
                   widths=[14, 16, 12, 9] + [14, 8] * len(sheets), freeze_cols=2)
        if progress is not None:
            progress(total, total, MATRIX_SHEET)
        book.close()
    except BaseException:
        book.abort()
        raise


# ----------------------------------------------------------------------------- GeoPackage

def status_style_qml(*, geometry: str = "fill") -> str:
    """A QGIS style (QML) colouring features by ``status``: green, amber, grey.

    Examples
    --------
    >>> "categorizedSymbol" in status_style_qml()
    True
    """
    cats, symbols = [], []
    for i, (status, (r, g, b)) in enumerate(QGIS_COLOURS.items()):
        cats.append(f'<category render="true" symbol="{i}" value="{status}" type="string" '
                    f'label="{_esc(STATUS_LABELS[status])}"/>')
        props = {"color": f"{r},{g},{b},255", "outline_color": "50,50,50,255",
                 "outline_style": "solid", "outline_width": "0.26", "outline_width_unit": "MM",
                 "style": "solid", "joinstyle": "bevel"}
        options = "".join(f'<Option name="{k}" type="QString" value="{v}"/>'
                          for k, v in props.items())
        legacy = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in props.items())
        symbols.append(
            f'<symbol name="{i}" type="{geometry}" alpha="1" clip_to_extent="1" force_rhr="0">'
            '<layer class="SimpleFill" enabled="1" locked="0" pass="0">'
            f'<Option type="Map">{options}</Option>{legacy}</layer></symbol>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.28.0" styleCategories="Symbology">'
            '<renderer-v2 type="categorizedSymbol" attr="status" symbollevels="0" '
            'enableorderby="0" forceraster="0">'
            f'<categories>{"".join(cats)}</categories><symbols>{"".join(symbols)}</symbols>'
            '</renderer-v2></qgis>')


def status_style_sld(layer: str) -> str:
    """The same style as SLD 1.1 (QGIS stores both)."""
    rules = []
    for status, (r, g, b) in QGIS_COLOURS.items():
        rules.append(
            f"<se:Rule><se:Name>{_esc(STATUS_LABELS[status])}</se:Name>"
            "<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>status</ogc:PropertyName>"
            f"<ogc:Literal>{status}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>"
            "<se:PolygonSymbolizer><se:Fill>"
            f'<se:SvgParameter name="fill">#{r:02x}{g:02x}{b:02x}</se:SvgParameter></se:Fill>'
            '<se:Stroke><se:SvgParameter name="stroke">#323232</se:SvgParameter></se:Stroke>'
            "</se:PolygonSymbolizer></se:Rule>")
    return ('<?xml version="1.0" encoding="UTF-8"?><StyledLayerDescriptor version="1.1.0" '
            'xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:se="http://www.opengis.net/se">'
            f"<NamedLayer><se:Name>{_esc(layer)}</se:Name><UserStyle><se:Name>{_esc(layer)}"
            f"</se:Name><se:FeatureTypeStyle>{''.join(rules)}</se:FeatureTypeStyle>"
            "</UserStyle></NamedLayer></StyledLayerDescriptor>")


_LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT CURRENT_TIMESTAMP)
"""


def _write_layer_styles(path: Path, layers: Sequence[str], names: Sequence[str]) -> None:
    qml = status_style_qml()
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(_LAYER_STYLES_DDL)
            geom_cols = dict(con.execute("SELECT table_name, column_name "
                                         "FROM gpkg_geometry_columns"))
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL)",
                [(layer, geom_cols.get(layer, "geom"), layer, qml, status_style_sld(layer),
                  f"« {name} » : terrains colorés par statut (foncier)")
                 for layer, name in zip(layers, names, strict=True)])
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change) VALUES ('layer_styles', 'attributes', "
                "'layer_styles', 'Styles QGIS', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
    finally:
        con.close()


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


def _write_gpkg(batch: Batch, tmp: Path, progress: Progress | None) -> None:
    """Each layer is written by pyogrio into its own small GeoPackage, then merged with sqlite3:
    GDAL's cost of adding a layer grows with the layers a file already holds, so writing hundreds
    of layers into one file directly would take quadratic time."""
    names = [o.brief.name for o in batch.outcomes]
    layers = layer_names(names)
    total = len(batch.outcomes) + 2
    summary = summary_frame(batch, sheet_names(names))
    summary.insert(2, "Couche", layers)
    pyogrio.write_dataframe(summary, tmp, layer=SUMMARY_LAYER, driver="GPKG")
    with tempfile.TemporaryDirectory(prefix=".foncier-", dir=tmp.parent) as work:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute("PRAGMA synchronous = OFF")
            for k, (o, layer) in enumerate(zip(batch.outcomes, layers, strict=True)):
                part = Path(work) / f"{k}.gpkg"
                pyogrio.write_dataframe(o.rows, part, layer=layer, driver="GPKG",
                                        layer_options={"IDENTIFIER": o.brief.name})
                _merge_table(con, part, layer)
                part.unlink()
                if progress is not None:
                    progress(k + 1, total, layer)
        finally:
            con.close()
    if progress is not None:
        progress(total - 1, total, SUMMARY_LAYER)
    _write_layer_styles(tmp, layers, names)
    if progress is not None:
        progress(total, total, "layer_styles")


def write_batch(batch: Batch, path: str | os.PathLike, *, progress: Progress | None = None
                ) -> Path:
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
    with atomic_write(path) as tmp:
        if suffix == ".xlsx":
            _write_xlsx(batch, tmp, progress)
        else:
            _write_gpkg(batch, tmp, progress)
    return path


def check_batch_suffix(path: Path) -> str:
    """The batch output's suffix, or an :class:`OutputError` naming the accepted ones."""
    suffix = path.suffix.lower()
    if suffix not in BATCH_FORMATS:
        raise OutputError(f"{path}: format de sortie inconnu « {path.suffix or '(aucun)'} » pour "
                          "un traitement par lot : choisissez .xlsx (classeur Excel) ou .gpkg "
                          "(GeoPackage pour QGIS).")
    return suffix
