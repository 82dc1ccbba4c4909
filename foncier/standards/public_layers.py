"""Add public constraint and infrastructure layers to an inventory.

:func:`add_layer` loads a vector file (GeoPackage, Shapefile, GeoJSON; any CRS, reprojected to
Lambert-93) into the ``constraints`` or ``infrastructure`` layer, or writes ``plu_zone`` onto the
plots from a zoning layer. Ready mappings (``mapping="auto"`` picks one from the columns):

``ppr``
    A risk-plan ``zonereglementaireurba`` layer (COVADIS/GASPAR standard): ``typereglement``
    ``03`` and ``04`` -> level ``interdiction``, ``02`` -> ``prescriptions``; other codes are kept
    with no level. Kind ``flood`` (PPRI) or ``pprt``. Id from ``idzone``/``codezone``, name from
    ``nom``/``libelle``.
``natura2000``
    INPN Natura 2000 layers (SIC/ZSC, ZPS): id ``sitecode``, name ``sitename``.
``znieff``
    INPN ZNIEFF layers (type 1 or 2, chosen by ``kind``): id ``id_mnhn``, name ``nom``
    (or ``nm_sffzn``).
``gpu``
    Géoportail de l'urbanisme ``zone_urba`` (kind ``plu``): each plot's ``plu_zone`` becomes the
    ``libelle`` of the zone it overlaps most; plots overlapping none keep their value.
``cnig-ppr``
    The CNIG risk-plan standard (PPRN/PPRT géostandard), table ``zonereglementaireurba_s``,
    field ``typereglement`` (see :data:`CNIG_PPR_LEVELS`): ``01`` prescriptions outside the
    hazard zone and ``02`` prescriptions -> ``prescriptions``; ``03`` interdiction, ``04``
    interdiction stricte, ``05`` délaissement possible and ``06`` expropriation possible (PPRT
    land measures, always inside red zones: building is not allowed) -> ``interdiction``; any
    other code (``07``, which the documentation we checked does not define) is kept with no
    level and warned about.
``covadis-ppr``
    The older COVADIS files (``N_ZONE_REG_PPRN_...``): the same codes in ``TYPEREG``, id
    ``IDZONE``/``CODEZONE``, name ``LIBELLE``/``NOM``.
``bdtopo-batiment``
    BD TOPO ``batiment`` (``cleabs``, ``nature``, ``usage_1``, ``usage_2``,
    ``nombre_de_logements``, ``etat_de_l_objet``) into ``housing`` constraints: buildings whose
    ``usage_1`` or ``usage_2`` is « Résidentiel » and whose ``etat_de_l_objet`` is « En
    service », grouped per block (buffered by :data:`BLOCK_BUFFER_M` = 25 m with mitred corners,
    merged, buffered back: buildings less than 50 m apart make one block, the gaps between them
    filled); each block's name gives its number of
    buildings and of dwellings.
``bdtopo-infra``
    BD TOPO transport and energy layers into infrastructure points (polygons: a point inside),
    keeping the features whose ``nature`` (compared ignoring case and accents) is, for the
    ``kind`` asked: ``motorway_interchange`` « Échangeur », « Échangeur complet », « Échangeur
    partiel » (``point_du_reseau``); ``rail_freight`` « Gare fret uniquement », « Gare
    voyageurs et fret » (``equipement_de_transport``); ``port`` « Port »
    (``equipement_de_transport``); ``airport`` any ``aerodrome`` feature or « Aérogare »;
    ``substation`` any ``poste_de_transformation`` feature. Id ``cleabs``, name ``toponyme``.
``osm-infra``
    OpenStreetMap extracts (GeoJSON / GeoPackage from ``ogr2ogr`` or Overpass; tags as columns
    or in ``other_tags``): ``motorway_interchange`` ``highway=motorway_junction``;
    ``rail_freight`` ``railway=station`` with ``usage=freight``, or ``railway=yard``; ``port``
    ``landuse=port`` or ``harbour=yes``; ``airport`` ``aeroway=aerodrome``; ``substation``
    ``power=substation``. Id ``osm_id`` (or ``id``), name ``name``.
``none``
    Generic: ``id_field``, ``name_field``, ``level`` / ``level_field`` and, for substations,
    ``capacity_field`` name the columns to use.

Re-adding a layer replaces the constraints (or infrastructure) with the same ids. For the
``flood`` and ``pprt`` kinds a level is ``interdiction`` or ``prescriptions`` (DESIGN.md): any
other ``level`` (or value of ``level_field``) is refused.

Examples
--------
>>> _check_level("flood", "moyen")                  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
LayerError: niveau « moyen » inconnu pour flood
>>> _check_level("natura2000", "moyen") is None
True
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from foncier.core.crs import NO_CRS_HINT, to_lambert93
from foncier.core.missing import is_missing
from foncier.core.schema import CONSTRAINT_KINDS, CONSTRAINT_LEVELS, CRS, INFRA_KINDS
from foncier.errors import LayerError, Problem
from foncier.standards.checks import implausible, quiet_reading, shown
from foncier.wording import fmt_number

__all__ = ["add_layer", "update_inventory", "read_vector", "MAPPINGS", "AddLayerReport",
           "PPR_LEVELS", "plu_zone_by_overlap", "CNIG_PPR_LEVELS", "BLOCK_BUFFER_M",
           "standard_ppr_levels", "housing_blocks", "infra_features"]

MAPPINGS = ("auto", "ppr", "natura2000", "znieff", "gpu", "cnig-ppr", "covadis-ppr",
            "bdtopo-batiment", "bdtopo-infra", "osm-infra", "none")
#: typereglement of a PPR zonereglementaireurba -> constraint level.
PPR_LEVELS = {"03": "interdiction", "04": "interdiction", "02": "prescriptions"}
_ID_FIELDS = {"ppr": ("idzone", "codezone", "id"),
              "cnig-ppr": ("idzone", "codezone", "id"),
              "covadis-ppr": ("idzone", "codezone", "id"), "natura2000": ("sitecode",),
              "znieff": ("id_mnhn", "nm_regznf", "id")}
_NAME_FIELDS = {"ppr": ("nom", "libelle", "lib_zone", "codezone"),
                "cnig-ppr": ("nom", "libelle", "codezone"),
                "covadis-ppr": ("libelle", "nom", "codezone"),
                "natura2000": ("sitename", "nom"), "znieff": ("nom", "nm_sffzn", "lb_zn")}


#: Constraint kinds whose level is one of CONSTRAINT_LEVELS.
PLANNED_KINDS = ("flood", "pprt")


@dataclass
class AddLayerReport:
    """What :func:`add_layer` did."""

    target: str
    kind: str
    mapping: str
    added: int = 0
    replaced: int = 0
    notes: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        if self.kind == "plu":
            head = f"{self.added} terrain(s) ont reçu leur zone du PLU (plu_zone)"
        else:
            head = (f"{self.added} entité(s) « {self.kind} » ajoutée(s), {self.replaced} "
                    f"remplacée(s) (correspondance {self.mapping})")
        return "\n".join([f"{self.target} : {head}.", *(str(n) for n in self.notes)])


def read_vector(path: str | os.PathLike, *, layer: str | None = None, crs: str | None = None
                ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a vector file and reproject it to Lambert-93.

    A file with no CRS is refused unless ``crs`` declares it (e.g. ``"EPSG:2154"``).
    Column names are lower-cased (two that differ only by case are refused). The warnings GDAL
    gives while reading (an unclosed ring, a damaged header) are returned as notes.

    Raises
    ------
    LayerError
        Missing or unreadable file, no geometry, no CRS, coordinates that are not finite or
        out of range, two columns of the same name.
    """
    path = Path(path)
    if not path.exists():
        raise LayerError([Problem(path.name, None, f"fichier introuvable ({path}) : vérifiez "
                                  "le chemin.")])
    notes: list[Problem] = []
    try:
        with quiet_reading(path.name, notes):
            frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:
        raise LayerError([Problem(path.name, None, f"fichier vectoriel illisible "
                                  f"({shown(exc, 200)}). Formats lus : GeoPackage, Shapefile, "
                                  "GeoJSON.")]) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise LayerError([Problem(path.name, None, "couche sans géométrie.")])
    bad = implausible(frame.geometry.to_numpy(), lambert93=False)
    if not bad.any():
        out = _in_lambert93(frame, path, notes, crs)
        if out is None:
            raise LayerError([Problem(path.name, None, "aucun système de coordonnées (CRS) : "
                                      + NO_CRS_HINT + " Pour un Shapefile, il manque le fichier "
                                      ".prj.")])
        frame = out
        bad = implausible(frame.geometry.to_numpy(), lambert93=False)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:10])
        raise LayerError([Problem(path.name, None, f"{int(bad.sum())} entité(s) aux coordonnées "
                                  f"non finies ou démesurées (entités {rows}) : corrigez-les.")])
    frame.columns = [c if c == frame.geometry.name else str(c).lower() for c in frame.columns]
    twice = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if twice:
        raise LayerError([Problem(path.name, None, f"colonne(s) {shown(', '.join(twice), 200)} "
                                  "en double (les noms de colonnes sont lus sans distinguer "
                                  "majuscules et minuscules) : renommez-en une.")])
    return frame, notes


def _in_lambert93(frame: gpd.GeoDataFrame, path: Path, notes: list[Problem],
                  crs: str | None) -> gpd.GeoDataFrame | None:
    """``frame`` reprojected; a CRS that PROJ cannot turn into Lambert-93 is refused."""
    try:
        with quiet_reading(path.name, notes):
            return to_lambert93(frame, where=path.name, problems=notes, declared=crs)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError) as exc:
        said = shown(crs if frame.crs is None else frame.crs.to_string(), 80)
        raise LayerError([Problem(path.name, None, f"système de coordonnées « {said} » "
                                  f"inutilisable ({shown(exc, 120)}) : il ne se convertit pas "
                                  "en Lambert-93 ; corrigez le CRS du fichier, ou déclarez-le "
                                  "avec le paramètre `crs=`.")]) from None


def _detect(frame: pd.DataFrame, kind: str) -> str:
    cols = set(frame.columns)
    if kind == "plu":
        return "gpu"
    if "typereglement" in cols:
        return "ppr"
    if "typereg" in cols:
        return "covadis-ppr"
    if "usage_1" in cols and "etat_de_l_objet" in cols:
        return "bdtopo-batiment"
    if "sitecode" in cols:
        return "natura2000"
    if "id_mnhn" in cols or "nm_sffzn" in cols:
        return "znieff"
    return "none"


def _pick(frame: pd.DataFrame, wanted: str | None, candidates: tuple[str, ...], what: str,
          path: Path) -> pd.Series | None:
    if wanted:
        col = wanted.lower()
        if col not in frame.columns:
            present = ", ".join(c for c in frame.columns if c != "geometry")
            raise LayerError([Problem(path.name, None, f"colonne « {shown(wanted)} » ({what}) "
                                      f"absente ; colonnes présentes : {shown(present, 200)}.")])
        return frame[col]
    for col in candidates:
        if col in frame.columns:
            return frame[col]
    return None


def _text(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, None, dtype=object)
    return np.array([None if is_missing(v) else str(v).strip() for v in series], dtype=object)


def _unique_ids(prefix: str, raw: np.ndarray) -> np.ndarray:
    base = pd.Series([f"{prefix}-{v}" if v else f"{prefix}-{i + 1}" for i, v in enumerate(raw)])
    rank = base.groupby(base).cumcount()
    dup = base.duplicated(keep=False)
    return np.where(dup, base + "-" + (rank + 1).astype(str), base).astype(object)


def _ppr_levels(frame: pd.DataFrame, path: Path, notes: list[Problem]) -> np.ndarray:
    return _coded_levels(frame, path, notes, "typereglement", PPR_LEVELS,
                         layer="zonereglementaireurba",
                         rule="seuls 03 et 04 -> interdiction, 02 -> prescriptions")


def _coded_levels(frame: pd.DataFrame, path: Path, notes: list[Problem], field_name: str,
                  table: dict[str, str], *, layer: str, rule: str) -> np.ndarray:
    """Levels from the two-digit PPR codes of ``field_name`` through ``table``.

    A code ``table`` does not know is kept without level, with a warning in ``notes`` that
    states ``rule``; a missing column raises :class:`LayerError` naming the ``layer`` expected.
    """
    if field_name not in frame.columns:
        raise LayerError(f"{path.name}: colonne {field_name} absente : ce n'est pas une couche "
                         f"{layer} de PPR (utilisez le paramètre `mapping=none` et le "
                         "paramètre `level=`).")
    codes = frame[field_name].map(lambda v: None if is_missing(v) else str(v).strip().zfill(2))
    levels = codes.map(table).to_numpy(dtype=object)
    other = codes[codes.notna() & ~codes.isin(list(table))]
    if len(other):
        notes.append(Problem(path.name, None, f"{len(other)} zone(s) de {field_name} "
                             f"{', '.join(sorted(set(other)))} gardée(s) sans niveau ({rule}).",
                             "warning"))
    return np.where(pd.isna(levels), None, levels)


def _check_level(kind: str, level: str | None) -> None:
    """Refuse a ``level`` that is not one of the contract's for a flood or pprt constraint."""
    if level is not None and kind in PLANNED_KINDS and level not in CONSTRAINT_LEVELS:
        raise LayerError(f"niveau « {shown(level)} » inconnu pour {kind} : niveaux admis "
                         f"{', '.join(CONSTRAINT_LEVELS)} (paramètre `level=`).")


def _check_field_levels(kind: str, levels: np.ndarray, field_name: str, path: Path) -> None:
    if kind not in PLANNED_KINDS:
        return
    problems = [Problem(f"{path.name}.{field_name}", f"entité {pos + 1}", f"niveau "
                        f"« {shown(v)} » inconnu pour {kind} : niveaux admis "
                        f"{', '.join(CONSTRAINT_LEVELS)}.")
                for pos, v in enumerate(levels) if v is not None and v not in CONSTRAINT_LEVELS]
    if problems:
        raise LayerError(problems)


def _polygons_only(frame: gpd.GeoDataFrame, path: Path) -> None:
    types = shapely.get_type_id(frame.geometry.to_numpy())
    bad = np.flatnonzero(~np.isin(types, (3, 6)))
    if len(bad):
        rows = ", ".join(str(i + 1) for i in bad[:10])
        raise LayerError(f"{path.name}: {len(bad)} entité(s) non surfacique(s) (entités {rows}) : "
                         "une contrainte est un polygone.")


def constraints_from_frame(frame: gpd.GeoDataFrame, *, kind: str, mapping: str, path: Path,
                           id_field=None, name_field=None, level=None, level_field=None,
                           notes: list[Problem]) -> gpd.GeoDataFrame:
    """Rows of the ``constraints`` layer from a mapped public layer."""
    if mapping == "bdtopo-batiment":
        return housing_blocks(frame, path=path, notes=notes)
    _polygons_only(frame, path)
    n = len(frame)
    ids = _text(_pick(frame, id_field, _ID_FIELDS.get(mapping, ("id",)), "identifiant", path), n)
    names = _text(_pick(frame, name_field, _NAME_FIELDS.get(mapping, ("nom", "name")), "nom",
                        path), n)
    if mapping == "ppr":
        levels = _ppr_levels(frame, path, notes)
    elif mapping in ("cnig-ppr", "covadis-ppr"):
        levels = standard_ppr_levels(frame, path, notes,
                                     "typereglement" if mapping == "cnig-ppr" else "typereg")
    elif level_field:
        levels = _text(_pick(frame, level_field, (), "niveau", path), n)
        _check_field_levels(kind, levels, level_field, path)
    else:
        levels = np.full(n, level, dtype=object)
    return gpd.GeoDataFrame({
        "constraint_id": _unique_ids(kind, ids), "kind": kind, "level": levels,
        "name": names, "source": f"{path.name} ({mapping})",
    }, geometry=frame.geometry.to_numpy(), crs=CRS)


def infrastructure_from_frame(frame: gpd.GeoDataFrame, *, kind: str, path: Path, id_field=None,
                              name_field=None, capacity_field=None) -> gpd.GeoDataFrame:
    """Rows of the ``infrastructure`` layer (points) from a public layer."""
    types = shapely.get_type_id(frame.geometry.to_numpy())
    bad = np.flatnonzero(types != 0)
    if len(bad):
        raise LayerError(f"{path.name}: {len(bad)} entité(s) non ponctuelle(s) (entités "
                         f"{', '.join(str(i + 1) for i in bad[:10])}) : une infrastructure est "
                         "un point.")
    n = len(frame)
    ids = _text(_pick(frame, id_field, ("id",), "identifiant", path), n)
    cap = _pick(frame, capacity_field, (), "puissance", path) if capacity_field else None
    return gpd.GeoDataFrame({
        "infra_id": _unique_ids(kind, ids), "kind": kind,
        "name": _text(_pick(frame, name_field, ("nom", "name", "libelle"), "nom", path), n),
        "capacity_mw": (pd.to_numeric(cap, errors="coerce").to_numpy() if cap is not None
                        else np.full(n, np.nan)),
    }, geometry=frame.geometry.to_numpy(), crs=CRS)


def plu_zone_by_overlap(plots: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                        labels: np.ndarray) -> np.ndarray:
    """For each plot, the label of the zone it overlaps most (None where it overlaps none).

    Examples
    --------
    >>> import shapely, numpy as np
    >>> plots = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=CRS)
    >>> zones = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 3, 10), shapely.box(3, 0, 10, 10)],
    ...                          crs=CRS)
    >>> plu_zone_by_overlap(plots, zones, np.array(["UA", "UX"], dtype=object)).tolist()
    ['UX']
    """
    pgeoms, zgeoms = plots.geometry.to_numpy(), zones.geometry.to_numpy()
    tree = shapely.STRtree(zgeoms)
    pi, zi = tree.query(pgeoms, predicate="intersects")
    out = np.full(len(plots), None, dtype=object)
    if len(pi) == 0:
        return out
    area = shapely.area(shapely.intersection(pgeoms[pi], zgeoms[zi]))
    keep = area > 0
    pi, zi, area = pi[keep], zi[keep], area[keep]
    order = np.lexsort((-area, pi))              # per plot, the largest overlap first
    pi, zi = pi[order], zi[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], bool)
    out[pi[first]] = labels[zi[first]]
    return out


def update_inventory(target: str | os.PathLike, changes: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Rewrite an inventory with some layers replaced, keeping every other layer it holds.

    The layers are checked as :func:`foncier.open_inventory` does before anything is written.
    """
    from foncier.core.inventory import inventory_from_layers, write_inventory
    from foncier.io.store import list_layers, read_layers

    names = list_layers(target)
    layers = read_layers(target, names)
    layers.update(changes)
    core = {k: v for k, v in layers.items()
            if k in ("sites", "plots", "constraints", "infrastructure", "communes")}
    inv = inventory_from_layers(core, source=str(target))
    out = {**layers, **inv.layers()}
    write_inventory(out, target)


def add_layer(target: str | os.PathLike, *, kind: str, source: str | os.PathLike,
              mapping: str = "auto", layer: str | None = None, crs: str | None = None,
              id_field: str | None = None, name_field: str | None = None,
              level: str | None = None, level_field: str | None = None,
              capacity_field: str | None = None, zone_field: str | None = None
              ) -> AddLayerReport:
    """Load a public layer into an inventory (GeoPackage path or ``postgresql://`` URL).

    Parameters
    ----------
    target : path or URL
        The inventory, rewritten atomically (GeoPackage) or in one transaction (PostGIS).
    kind : str
        A constraint kind (``flood``, ``pprt``, ``natura2000``, ``znieff1``...), an
        infrastructure kind (``substation``, ``port``...) or ``plu`` (zoning onto the plots).
    source : path
        The vector file; ``layer`` picks a layer of a multi-layer file, ``crs`` declares the CRS
        of a file that has none.
    mapping : {"auto", "ppr", "natura2000", "znieff", "gpu", "none"}
        See the module's documentation.

    Returns
    -------
    AddLayerReport
    """
    from foncier.core.inventory import open_inventory

    kinds = (*CONSTRAINT_KINDS, *INFRA_KINDS, "plu")
    if kind not in kinds:
        raise LayerError(f"type « {kind} » inconnu ; types admis : {', '.join(kinds)}.")
    if mapping not in MAPPINGS:
        raise LayerError(f"correspondance « {mapping} » inconnue ; admises : "
                         f"{', '.join(MAPPINGS)}.")
    _check_level(kind, level)
    path = Path(source)
    frame, notes = read_vector(path, layer=layer, crs=crs)
    mapping = _detect(frame, kind) if mapping == "auto" else mapping
    inv = open_inventory(target)
    report = AddLayerReport(str(target), kind, mapping, notes=notes)
    if kind == "plu":
        labels = _text(_pick(frame, zone_field, ("libelle", "libelong", "typezone"),
                             "zone", path), len(frame))
        zones = plu_zone_by_overlap(inv.plots, frame, labels)
        plots = inv.plots.copy()
        hit = np.array([z is not None for z in zones], dtype=bool)
        plots.loc[hit, "plu_zone"] = zones[hit]
        report.added = int(hit.sum())
        if (~hit).any():
            report.notes.append(Problem("plots", None, f"{int((~hit).sum())} terrain(s) hors de "
                                        "toute zone du fichier : plu_zone inchangée.", "info"))
        update_inventory(target, {"plots": plots})
        return report
    if kind in INFRA_KINDS and mapping in ("bdtopo-infra", "osm-infra"):
        frame = infra_features(frame, kind=kind, mapping=mapping, path=path, notes=report.notes)
        id_field = id_field or ("cleabs" if mapping == "bdtopo-infra" else None)
        if id_field is None:
            id_field = next((c for c in ("osm_id", "id") if c in frame.columns), None)
        name_field = name_field or next((c for c in ("toponyme", "name", "nom")
                                         if c in frame.columns), None)
    if kind in INFRA_KINDS:
        rows = infrastructure_from_frame(frame, kind=kind, path=path, id_field=id_field,
                                         name_field=name_field, capacity_field=capacity_field)
        name, id_col, current = "infrastructure", "infra_id", inv.infrastructure
    else:
        if mapping in ("bdtopo-infra", "osm-infra"):
            raise LayerError(f"la correspondance {mapping} donne des infrastructures : "
                             f"paramètre `kind=` parmi {', '.join(INFRA_KINDS)}.")
        if mapping == "bdtopo-batiment" and kind != "housing":
            raise LayerError("la correspondance bdtopo-batiment donne des contraintes "
                             "d'habitat : paramètre `kind=housing`.")
        if mapping == "gpu":
            raise LayerError("la correspondance gpu (zone_urba) s'utilise avec le paramètre "
                             "`kind=plu`.")
        rows = constraints_from_frame(frame, kind=kind, mapping=mapping, path=path,
                                      id_field=id_field, name_field=name_field, level=level,
                                      level_field=level_field, notes=report.notes)
        name, id_col, current = "constraints", "constraint_id", inv.constraints
    replaced = current[id_col].isin(set(rows[id_col]))
    report.replaced = int(replaced.sum())
    report.added = len(rows) - report.replaced
    merged = pd.concat([current.loc[~replaced], rows], ignore_index=True)
    update_inventory(target, {name: gpd.GeoDataFrame(merged, geometry="geometry", crs=CRS)})
    return report


#: typereglement (CNIG) / TYPEREG (COVADIS) codes -> constraint level (see the module).
CNIG_PPR_LEVELS = {"01": "prescriptions", "02": "prescriptions", "03": "interdiction",
                   "04": "interdiction", "05": "interdiction", "06": "interdiction"}
#: Buffer (m) grouping BD TOPO residential buildings into blocks.
BLOCK_BUFFER_M = 25.0


def standard_ppr_levels(frame: pd.DataFrame, path: Path, notes: list[Problem],
                        field_name: str) -> np.ndarray:
    """Levels from the CNIG ``typereglement`` / COVADIS ``TYPEREG`` codes.

    Examples
    --------
    >>> notes = []
    >>> frame = pd.DataFrame({"typereg": ["1", "03", "05", "07", None]})
    >>> standard_ppr_levels(frame, Path("z.shp"), notes, "typereg").tolist()
    ['prescriptions', 'interdiction', 'interdiction', None, None]
    >>> notes[0].message[:38]
    '1 zone(s) de typereg 07 gardée(s) sans'
    """
    return _coded_levels(frame, path, notes, field_name, CNIG_PPR_LEVELS,
                         layer="de zonage réglementaire",
                         rule="01, 02 -> prescriptions ; 03 à 06 -> interdiction")


def _fold(value) -> str:
    import unicodedata

    if is_missing(value):
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    return "".join(c for c in text if not unicodedata.combining(c)).strip().casefold()


def housing_blocks(frame: gpd.GeoDataFrame, *, path: Path, notes: list[Problem]
                   ) -> gpd.GeoDataFrame:
    """``housing`` constraints: residential BD TOPO buildings in service, one per block."""
    missing = [c for c in ("usage_1", "etat_de_l_objet") if c not in frame.columns]
    if missing:
        raise LayerError(f"{path.name}: colonne(s) {', '.join(missing)} absente(s) : ce n'est "
                         "pas une couche batiment de la BD TOPO.")
    usage2 = frame["usage_2"] if "usage_2" in frame.columns else pd.Series("", index=frame.index)
    homes = (frame["usage_1"].map(_fold).eq("residentiel") | usage2.map(_fold).eq("residentiel"))
    keep = homes & frame["etat_de_l_objet"].map(_fold).eq("en service")
    kept = frame.loc[keep.to_numpy()]
    _polygons_only(kept, path)
    geoms = shapely.force_2d(kept.geometry.to_numpy())
    notes.append(Problem(path.name, None, f"{int(keep.sum())} bâtiment(s) résidentiel(s) en "
                         f"service gardé(s) sur {len(frame)}, regroupés en îlots (tampon de "
                         f"{fmt_number(BLOCK_BUFFER_M)} m).", "info"))
    if not len(geoms):
        return gpd.GeoDataFrame({"constraint_id": [], "kind": [], "level": [], "name": [],
                                 "source": []}, geometry=[], crs=CRS)
    merged = shapely.union_all(shapely.buffer(geoms, BLOCK_BUFFER_M, join_style="mitre"))
    blocks = shapely.get_parts(merged)
    grown = blocks                                   # each building is inside one of them
    gi, bi = shapely.STRtree(grown).query(shapely.point_on_surface(geoms),
                                          predicate="intersects")
    which = np.full(len(geoms), -1)
    which[gi] = bi
    shrunk = shapely.buffer(blocks, -BLOCK_BUFFER_M, join_style="mitre")  # back to the outline
    blocks = np.array([shapely.union_all([shrunk[b], *geoms[which == b]])
                       for b in range(len(blocks))], dtype=object)
    dwell = (pd.to_numeric(kept["nombre_de_logements"], errors="coerce").fillna(0).to_numpy()
             if "nombre_de_logements" in kept.columns else np.zeros(len(geoms)))
    centres = shapely.centroid(blocks)
    order = np.lexsort((np.round(shapely.get_x(centres)),               # north-west first
                        -np.round(shapely.get_y(centres))))
    names, ids, out = [], [], []
    for rank, b in enumerate(order, start=1):
        members = which == b
        names.append(f"Îlot d'habitat : {int(members.sum())} bâtiment(s), "
                     f"{int(dwell[members].sum())} logement(s)")
        ids.append(f"housing-bdtopo-{rank}")
        out.append(blocks[b])
    return gpd.GeoDataFrame({"constraint_id": ids, "kind": "housing", "level": None,
                             "name": names, "source": f"{path.name} (bdtopo-batiment)"},
                            geometry=out, crs=CRS)


_BDTOPO_NATURES = {
    "motorway_interchange": ("echangeur", "echangeur complet", "echangeur partiel"),
    "rail_freight": ("gare fret uniquement", "gare voyageurs et fret"),
    "port": ("port",),
    "airport": ("aerogare", "aerodrome", "aeroport"),
}


def _osm_tags(frame: pd.DataFrame) -> pd.DataFrame:
    """OSM tags as columns: the frame's own, plus those packed in ``other_tags``."""
    tags = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        if col != frame.geometry.name:
            tags[col] = frame[col].map(lambda v: None if is_missing(v) else str(v))
    if "other_tags" in frame.columns:
        pairs = frame["other_tags"].map(lambda v: dict(
            re.findall(r'"([^"]+)"=>"([^"]*)"', str(v))) if not is_missing(v) else {})
        extra = pd.DataFrame(pairs.tolist(), index=frame.index)
        for col in extra.columns:
            if col not in tags.columns:
                tags[col] = extra[col]
    return tags


def _osm_keep(tags: pd.DataFrame, kind: str) -> pd.Series:
    def tag(k):
        return tags[k] if k in tags.columns else pd.Series(None, index=tags.index, dtype=object)

    if kind == "motorway_interchange":
        return tag("highway").eq("motorway_junction")
    if kind == "rail_freight":
        return ((tag("railway").eq("station") & tag("usage").eq("freight"))
                | tag("railway").eq("yard"))
    if kind == "port":
        return tag("landuse").eq("port") | tag("harbour").eq("yes")
    if kind == "airport":
        return tag("aeroway").eq("aerodrome")
    return tag("power").eq("substation")


def infra_features(frame: gpd.GeoDataFrame, *, kind: str, mapping: str, path: Path,
                   notes: list[Problem]) -> gpd.GeoDataFrame:
    """The features of a BD TOPO or OSM layer that are infrastructure of ``kind``, as points.

    Examples
    --------
    >>> f = gpd.GeoDataFrame({"highway": ["motorway_junction", "traffic_signals"]},
    ...                      geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs=CRS)
    >>> len(infra_features(f, kind="motorway_interchange", mapping="osm-infra",
    ...                    path=Path("osm.geojson"), notes=[]))
    1
    """
    if mapping == "osm-infra":
        keep = _osm_keep(_osm_tags(frame), kind).fillna(False).to_numpy(dtype=bool)
    elif kind == "substation" or (kind == "airport" and "nature" not in frame.columns):
        keep = np.ones(len(frame), bool)             # a poste_de_transformation / aerodrome layer
    else:
        if "nature" not in frame.columns:
            raise LayerError(f"{path.name}: colonne nature absente : ce n'est pas une couche "
                             "de la BD TOPO (point_du_reseau, equipement_de_transport...).")
        keep = frame["nature"].map(_fold).isin(_BDTOPO_NATURES[kind]).to_numpy()
    out = frame.loc[keep].copy()
    geoms = out.geometry.to_numpy()
    not_point = shapely.get_type_id(geoms) != 0
    geoms[not_point] = shapely.point_on_surface(geoms[not_point])
    out = out.set_geometry(shapely.force_2d(geoms), crs=CRS)
    notes.append(Problem(path.name, None, f"{int(keep.sum())} entité(s) sur {len(frame)} "
                         f"retenue(s) comme {kind} (correspondance {mapping}).", "info"))
    return out
