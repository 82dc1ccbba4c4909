"""CNIG tables <-> foncier inventory layers, and the site figures computed from the plots.

:func:`layers_from_tables` maps the standard onto foncier's inventory (DESIGN.md); every
standard field foncier has no column for is kept as an extra column prefixed ``cnig_``; POLE-ECO
and ETABLISSEMENT are kept as layers ``cnig_pole_eco`` and ``cnig_etablissement``.
:func:`tables_from_inventory` goes back, computing ``site_uf_nbre``, ``site_uf_vacant_nbre``,
``site_taux_vacance`` and ``site_surf_comm_dispo`` from the plots.

Dates of the export follow the legal inventory (:mod:`foncier.legal.edit`). A terrain's
``terr_actu_date`` (a site's ``site_actu_date``) is, in this order of precedence:

1. the row's ``updated_on``, the day the legal edit functions last changed it;
2. else the day of the row's latest change in the ``history`` table (``changed_at``, UTC);
3. else the ``cnig_terr_actu_date`` (``cnig_site_actu_date``) an ``import-cnig`` kept;
4. else the day of the export (nothing is known).

``terr_identif_date`` / ``site_identif_date`` is the imported ``cnig_*`` value, else the
earliest of the row's first ``history`` change and its update date above (so that it never
comes after the update).

ETABLISSEMENT rows come from the inventory's ``occupants`` table (the legal occupants, from a
SIRENE extract) merged with the ``cnig_etablissement`` layer an import kept, by SIRET: the
occupants' own values (:data:`OCCUPANT_FIELDS`: ``siret``, ``siren``, ``terr_id``, ``etab_nom``,
``etab_activite_code``, ``etab_adresse``, ``etab_actif`` and, when the SIRENE extract had them,
``etab_nat_juridique``, ``etab_creation_date``, ``etab_activite_libelle``, ``etab_effectif_code``,
``etab_effectif_libelle``, ``etab_effectif_annee``) win, the imported layer fills the other
fields, and what is still empty is derived (:func:`occupant_rows`; a band's label from its code,
:func:`band_label`). A required field still empty is reported by the export with the
establishment's SIRET and the column that fills it (:func:`explain_occupant_gaps`: SIRENE gives
no activity label, the user adds it). An occupant on no exported terrain (outside every
activity zone) is left out, and so is every establishment named like an owner who is a private
person (personal data, :mod:`foncier.legal.privacy`), with a warning.

Examples
--------
>>> import shapely
>>> plots = pd.DataFrame({"site_id": ["S1", "S1"], "area_ha": [1.0, 2.0],
...                       "occupancy": ["vacant", "occupé"], "sales_stage": ["en vente", None]})
>>> _site_figures(plots).loc["S1"].tolist()
[2.0, 1.0, 50.0, 1.0]
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.missing import is_missing, missing_mask
from foncier.core.schema import CRS, HEADCOUNT_BANDS
from foncier.errors import FoncierWarning, Problem
from foncier.standards.cnig.schema import (
    COMPUTED,
    EXTRA_LAYERS,
    FOR_SALE,
    GEOMETRY_FIELDS,
    KEYS,
    NETWORKS,
    PLOT_MAP,
    PREFIX,
    SITE_MAP,
    VACANT,
    _fields,
    _fmt_geopoint,
    _fmt_number,
    _names,
    _text_series,
    schema_fields,
)

__all__ = ["layers_from_tables", "tables_from_inventory", "fill_from_zone", "occupant_rows",
           "explain_occupant_gaps", "band_label", "row_dates", "ZONE_FLAGS", "ZONE_DISTANCES",
           "LEGAL_SOURCES"]

#: The legal tables of the store the export reads beside the ``cnig_*`` layers: the edit history
#: (update dates), the occupants (ETABLISSEMENT) and the owners (only to keep private persons
#: out).
LEGAL_SOURCES = ("history", "occupants", "owners")
#: The occupants' columns that win over an imported ``cnig_etablissement`` row of the same SIRET.
OCCUPANT_FIELDS = ("siret", "siren", "terr_id", "etab_nom", "etab_activite_code",
                   "etab_adresse", "etab_actif", "etab_nat_juridique", "etab_creation_date",
                   "etab_activite_libelle", "etab_effectif_code", "etab_effectif_libelle",
                   "etab_effectif_annee")
_REIMPORT = ("dans le fichier des occupants (extrait SIRENE, CSV ou XLSX) et réimportez-le, "
             "ou renseignez-le dans la couche cnig_etablissement")
#: ETABLISSEMENT fields the SIRENE extract may lack -> how to fill them (export messages).
OCCUPANT_HINTS = {
    "etab_nat_juridique": "catégorie juridique de l'INSEE (4 chiffres, niveau III, par exemple "
                          "5710), une colonne des unités légales de SIRENE : joignez la colonne "
                          f"categorieJuridiqueUniteLegale (ou etab_nat_juridique) {_REIMPORT}",
    "etab_creation_date": "date de création (AAAA-MM-JJ) : donnez la colonne "
                          f"dateCreationEtablissement (ou etab_creation_date) {_REIMPORT}",
    "etab_activite_libelle": "libellé de l'activité principale (code NAF{code}) : la base SIRENE "
                             "ne donne que le code et foncier n'a pas la nomenclature NAF ; "
                             "ajoutez le libellé de la NAF rév. 2 de l'INSEE dans une colonne "
                             "activity_label (ou libelleActivitePrincipaleEtablissement, "
                             f"etab_activite_libelle) {_REIMPORT}",
    "etab_effectif_code": "tranche d'effectif salarié de l'INSEE : donnez la colonne "
                          "trancheEffectifsEtablissement (ou caractereEmployeurEtablissement = N "
                          f"pour un établissement non employeur) {_REIMPORT}",
    "etab_effectif_annee": "millésime de la tranche d'effectif (AAAA) : donnez la colonne "
                           "anneeEffectifsEtablissement (SIRENE n'en donne pas aux "
                           f"non-employeurs : l'année de l'extrait) {_REIMPORT}",
}
OCCUPANT_HINTS["etab_effectif_libelle"] = OCCUPANT_HINTS["etab_effectif_code"].replace(
    "tranche d'effectif salarié", "libellé de la tranche d'effectif salarié (déduit de son code)",
    1)
#: ``etab_source_info`` of an establishment the ``occupants`` table gives.
OCCUPANT_SOURCE = "base SIRENE de l'INSEE (occupants de l'inventaire foncier)"
#: ``geocodage_qualite`` of an establishment placed on its terrain(s): the closest value of the
#: standard's list (the position is known to the land unit, made of cadastral parcels).
OCCUPANT_GEOCODING = "localisation à la parcelle"

#: SITE-ECO oui/non facts -> the plot attribute they imply (``reseau_electrique`` « non »: no
#: network, so ``power_mw`` 0; « oui » says nothing of the power available and fills nothing).
ZONE_FLAGS = {"reseau_gaz": "gas", "reseau_fibre_optique": "fiber",
              "reseau_fret_ferroviaire": "rail_siding"}
#: SITE-ECO road distances (km) -> plot columns read by the access criteria when the inventory
#: holds no infrastructure of that kind.
ZONE_DISTANCES = {"autoroute_echang_dist": "motorway_km", "gare_fret_dist": "rail_freight_km",
                  "port_dist": "port_km"}



def _typed(table: str, frame: pd.DataFrame, name: str) -> pd.Series:
    if _fields(table)[name].type == "number":
        return pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame[name].astype(object)


def _oui_non(values: pd.Series) -> pd.Series:
    mapped = values.map({"oui": True, "non": False})
    return pd.Series(pd.array(mapped.tolist(), dtype="boolean"), index=values.index)


def _extras(table: str, frame: pd.DataFrame, mapped: Iterable[str]) -> dict[str, pd.Series]:
    skip = set(mapped) | {GEOMETRY_FIELDS[table]}
    return {PREFIX + f.column: _typed(table, frame, f.name).to_numpy()
            for f in schema_fields(table) if f.name not in skip}


def layers_from_tables(tables: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Map CNIG tables onto inventory layers (``sites``, ``plots`` and ``cnig_*`` layers).

    Mapped fields (DESIGN.md): site_nom -> name, site_epci_siren/_nom -> epci_siren/epci_name,
    site_comm_insee -> commune_insee, site_vocadomi -> vocation; terr_id -> plot_id, terr_refcad
    -> cadastral_refs, terr_stade_comm -> sales_stage, terr_etat_occup -> occupancy,
    terr_stade_amngt -> servicing_stage, terr_maitrise_fonc -> land_control, terr_cle_en_main ->
    turnkey, terr_m2_prix -> price_eur_m2, terr_surf_brute (ha) -> declared_area_ha. The site's
    reseau_gaz / reseau_fibre_optique / reseau_fret_ferroviaire give each plot's gas / fiber /
    rail_siding; a plot whose occupancy is ``friche`` is a brownfield. Everything else the
    standard holds is kept in ``cnig_<field>`` columns; what it lacks stays null (unknown).
    """
    empty_site = pd.DataFrame({n: [] for n in _names("site-eco")}, dtype=object)
    empty_terr = pd.DataFrame({n: [] for n in _names("terrain-eco")}, dtype=object)
    site = tables.get("site-eco")
    terr = tables.get("terrain-eco")
    site = site if site is not None else gpd.GeoDataFrame(empty_site, geometry=[], crs=CRS)
    terr = terr if terr is not None else gpd.GeoDataFrame(empty_terr, geometry=[], crs=CRS)

    sites = {col: site[f].astype(object).to_numpy() for f, col in SITE_MAP.items()}
    sites.update(_extras("site-eco", site, SITE_MAP))
    out = {"sites": gpd.GeoDataFrame(sites, geometry=site.geometry.to_numpy(), crs=CRS)}

    plots = {col: terr[f].astype(object).to_numpy() for f, col in PLOT_MAP.items()}
    plots["turnkey"] = _oui_non(terr["terr_cle_en_main"]).to_numpy()
    plots["price_eur_m2"] = _typed("terrain-eco", terr, "terr_m2_prix").to_numpy()
    plots["declared_area_ha"] = _typed("terrain-eco", terr, "terr_surf_brute").to_numpy()
    occ = terr["terr_etat_occup"]
    plots["brownfield"] = pd.array([True if v == "friche" else None for v in occ],
                                   dtype="boolean")
    plots.update(_extras("terrain-eco", terr, PLOT_MAP))
    out["plots"] = fill_from_zone(gpd.GeoDataFrame(plots, geometry=terr.geometry.to_numpy(),
                                                   crs=CRS), site)

    for table, layer in EXTRA_LAYERS.items():
        frame = tables.get(table)
        if frame is None:
            continue
        cols = {f.column: _typed(table, frame, f.name).to_numpy() for f in schema_fields(table)
                if f.name != GEOMETRY_FIELDS[table] or f.type == "geopoint"}
        out[layer] = gpd.GeoDataFrame(cols, geometry=frame.geometry.to_numpy(), crs=CRS)
    return out


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _fill(values: pd.Series, default) -> pd.Series:
    default = default if isinstance(default, pd.Series) else pd.Series(default,
                                                                       index=values.index)
    return values.where(~missing_mask(values), default)


def _site_figures(plots: pd.DataFrame) -> pd.DataFrame:
    """Per site: number of plots, vacant ones, vacancy rate (%), area for sale (ha)."""
    area = _fill(pd.to_numeric(_column(plots, "declared_area_ha"), errors="coerce"),
                 plots["area_ha"])
    frame = pd.DataFrame({
        "site_id": plots["site_id"],
        "n": 1,
        "vacant": _column(plots, "occupancy").isin(VACANT).astype(int),
        "sale": area.where(_column(plots, "sales_stage").isin(FOR_SALE), 0.0),
    })
    g = frame.dropna(subset=["site_id"]).groupby("site_id")
    out = pd.DataFrame({"site_uf_nbre": g["n"].sum(), "site_uf_vacant_nbre": g["vacant"].sum()})
    out["site_taux_vacance"] = (out["site_uf_vacant_nbre"] / out["site_uf_nbre"] * 100).round(1)
    out["site_surf_comm_dispo"] = g["sale"].sum().round(2)
    return out


def _networks_from_plots(plots: pd.DataFrame, col: str) -> pd.Series:
    v = _column(plots, col)
    known = pd.DataFrame({"site_id": plots["site_id"], "yes": v.eq(True).fillna(False),
                          "known": ~missing_mask(v)})
    g = known.dropna(subset=["site_id"]).groupby("site_id")
    any_yes, all_known = g["yes"].any(), g["known"].all()
    return pd.Series(np.where(any_yes, "oui", np.where(all_known, "non", None)),
                     index=any_yes.index, dtype=object)


def tables_from_inventory(inventory, extra: Mapping[str, gpd.GeoDataFrame] | None = None, *,
                          today: dt.date | None = None) -> dict[str, gpd.GeoDataFrame]:
    """CNIG tables (text, as the CSV spells it) from an inventory and its ``cnig_*`` layers.

    Standard fields come from the mapped foncier columns, then from the ``cnig_*`` columns. The
    four figures ``site_uf_nbre``, ``site_uf_vacant_nbre`` (occupancy ``vacant`` or ``friche``),
    ``site_taux_vacance`` (vacant ÷ total × 100) and ``site_surf_comm_dispo`` (ha of the plots
    ``en vente`` or ``en vente avec contraintes``, declared area else geometry area) are computed
    from the plots of each site that has plots. Required fields foncier cannot know are filled
    with the standard's own « inconnu » (enumerations), the geometry's area (surfaces) and the
    commune's name from the ``communes`` layer. Identification and update dates follow the legal
    inventory (:func:`row_dates`, the module's precedence), today's date only when nothing is
    known. Plots outside every activity zone (no ``site_id``, e.g. brownfields) are left out:
    the standard ties each terrain to a site.

    ``extra`` holds the store's ``cnig_*`` layers and its legal tables of
    :data:`LEGAL_SOURCES` (``history``, ``occupants``, ``owners``) when it has them: the
    ETABLISSEMENT table is the ``occupants`` merged with ``cnig_etablissement``
    (:func:`occupant_rows`); ``owners`` serves only to leave private persons out.
    """
    today = (today or dt.date.today()).isoformat()
    extra = dict(extra or {})
    history = extra.get("history")
    sites = inventory.sites
    plots = inventory.plots[~missing_mask(inventory.plots["site_id"])].reset_index(drop=True)
    out: dict[str, gpd.GeoDataFrame] = {}

    def build(table, frame, mapping, defaults, given=None):
        cols = {}
        for f in schema_fields(table):
            src = mapping.get(f.name)
            if f.name == GEOMETRY_FIELDS[table]:
                continue
            values = _column(frame, src) if src else _column(frame, PREFIX + f.column)
            values = _text_series(values)
            if given and f.name in given:
                values = given[f.name]
            if f.name in defaults:
                values = _fill(values, defaults[f.name])
            cols[f.name] = values.to_numpy(dtype=object)
        key = cols[KEYS[table]]
        cols["_row"] = [k if k is not None else f"ligne {i + 2}" for i, k in enumerate(key)]
        return gpd.GeoDataFrame(cols, geometry=frame.geometry.to_numpy(), crs=CRS)

    figures = _site_figures(plots)
    sid = sites["site_id"]
    site_area = pd.Series((sites.geometry.area / 10_000).round(2).to_numpy(), index=sites.index)
    useful = sid.map(plots.groupby("site_id")["area_ha"].sum().round(2))
    names = {}
    if inventory.communes is not None and len(inventory.communes):
        names = dict(zip(inventory.communes["insee"], inventory.communes["name"], strict=False))
    site_defaults = {
        "site_type": "inconnu", "site_etat": "inconnu", "site_moa_type": "inconnu",
        "site_surf_brute": site_area.map(_fmt_number),
        "site_surf_utile": _fill(useful, site_area).map(_fmt_number),
        "site_comm_nom": _column(sites, "commune_insee").map(names),
        "site_geompoint": _fmt_geopoint(sites.geometry),
    }
    for cnig_col, col in NETWORKS.items():
        site_defaults[cnig_col] = sid.map(_networks_from_plots(plots, col))
    identif, actu = row_dates(sites, "sites", history, today)
    site = build("site-eco", sites, SITE_MAP, site_defaults,
                 {"site_identif_date": identif, "site_actu_date": actu})
    has = sid.isin(figures.index).to_numpy()
    for name in COMPUTED:
        computed = sid.map(figures[name]).map(_fmt_number).to_numpy(dtype=object)
        site[name] = np.where(has, computed, site[name].to_numpy(dtype=object))
    out["site-eco"] = site

    terr_area = _fill(pd.to_numeric(_column(plots, "declared_area_ha"), errors="coerce"),
                      plots["area_ha"].round(2))
    terr_defaults = {
        "terr_surf_brute": terr_area.map(_fmt_number),
        "terr_maitrise_fonc": "inconnu", "terr_stade_amngt": "inconnu",
        "terr_stade_comm": "inconnu", "terr_etat_occup": "inconnu", "terr_usage": "inconnu",
    }
    identif, actu = row_dates(plots, "plots", history, today)
    out["terrain-eco"] = build("terrain-eco", plots, PLOT_MAP, terr_defaults,
                               {"terr_identif_date": identif, "terr_actu_date": actu})
    etab = occupant_rows(extra.get("occupants"), extra.get("cnig_etablissement"), plots,
                         inventory.sites, inventory.communes, today,
                         _private_names(extra.get("owners")))
    if etab is not None:
        extra["cnig_etablissement"] = etab
    for table, layer in EXTRA_LAYERS.items():
        frame = extra.get(layer)
        if frame is None:
            continue
        cols = {f.name: _text_series(_column(frame, f.column)).to_numpy(dtype=object)
                for f in schema_fields(table) if f.name != GEOMETRY_FIELDS[table]
                or f.type == "geopoint"}
        out[table] = gpd.GeoDataFrame(cols, geometry=frame.geometry.to_numpy(), crs=CRS)
    return out


def _history_days(history: pd.DataFrame | None, layer: str) -> tuple[pd.Series, pd.Series]:
    """Per row id of ``layer``: the first and the last day (``AAAA-MM-JJ``) of its changes."""
    if history is None or not len(history) or "changed_at" not in history.columns:
        empty = pd.Series([], dtype=object)
        return empty, empty
    mine = history[history["layer"].astype(object) == layer]
    days = mine["changed_at"].astype(object).map(
        lambda v: None if is_missing(v) else str(v)[:10])
    by_row = days.dropna().groupby(mine["row_id"].astype(str))
    return by_row.min(), by_row.max()


def row_dates(frame: pd.DataFrame, layer: str, history: pd.DataFrame | None, today: str
              ) -> tuple[pd.Series, pd.Series]:
    """Per row of ``sites`` or ``plots``: its CNIG identification and update dates (text).

    Update: ``updated_on``, else the row's latest ``history`` change, else the imported
    ``cnig_*_actu_date``, else ``today``. Identification: the imported ``cnig_*_identif_date``,
    else the earliest of the first ``history`` change and the update date.

    Examples
    --------
    >>> plots = pd.DataFrame({"plot_id": ["P1", "P2", "P3"],
    ...                       "updated_on": [pd.Timestamp("2026-03-02"), None, None]})
    >>> history = pd.DataFrame({"layer": ["plots", "plots"], "row_id": ["P2", "P2"],
    ...                         "changed_at": ["2025-01-05T10:00:00Z", "2025-02-01T08:00:00Z"]})
    >>> identif, actu = row_dates(plots, "plots", history, "2026-12-01")
    >>> actu.tolist(), identif.tolist()
    (['2026-03-02', '2025-02-01', '2026-12-01'], ['2026-03-02', '2025-01-05', '2026-12-01'])
    """
    prefix = PREFIX + ("terr" if layer == "plots" else "site")
    ids = _column(frame, "plot_id" if layer == "plots" else "site_id").astype(str)
    first, last = _history_days(history, layer)
    actu = _text_series(_column(frame, "updated_on"))
    for fallback in (ids.map(last), _text_series(_column(frame, f"{prefix}_actu_date"))):
        actu = _fill(actu, fallback.astype(object))
    actu = _fill(actu, today).astype(object)
    earliest = pd.Series([min(d for d in (f, a) if isinstance(d, str))
                          for f, a in zip(ids.map(first), actu, strict=True)],
                         index=frame.index, dtype=object)
    identif = _fill(_text_series(_column(frame, f"{prefix}_identif_date")), earliest)
    return identif.astype(object), actu


def _private_names(owners: pd.DataFrame | None) -> set[str]:
    """The names (case and spaces folded) of the owners who are private persons."""
    if owners is None or not len(owners) or "kind" not in owners.columns:
        return set()
    names = owners.loc[owners["kind"].astype(object) == "person", "name"].dropna()
    return {_folded(n) for n in names}


def _folded(value) -> str:
    return " ".join(str(value).split()).casefold()


def _first_known(*frames: pd.DataFrame) -> pd.DataFrame:
    """Column by column, the first frame's value that is not missing (same index)."""
    out = frames[0].copy()
    for frame in frames[1:]:
        for col in frame.columns:
            if col not in out.columns:
                out[col] = frame[col]
            else:
                out[col] = _fill(out[col].astype(object), frame[col].astype(object))
    return out


def _occupied(occupants: pd.DataFrame, plots: pd.DataFrame) -> pd.DataFrame:
    """One row per SIRET of the occupants on exported terrains, ``terr_id`` ``|``-joined."""
    known = set(plots["plot_id"].astype(str))
    occ = occupants[~missing_mask(_column(occupants, "terr_id"))
                    & ~missing_mask(_column(occupants, "siret"))].copy()
    occ["terr_id"] = occ["terr_id"].astype(str)
    occ = occ[occ["terr_id"].isin(known)]
    rows = []
    for siret, group in occ.groupby(occ["siret"].astype(str), sort=False):
        row = {c: next((v for v in _column(group, c) if not is_missing(v)), None)
               for c in OCCUPANT_FIELDS}
        row["siret"] = siret
        row["terr_id"] = "|".join(dict.fromkeys(group["terr_id"]))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(OCCUPANT_FIELDS), dtype=object)


def _derived(known: pd.DataFrame, plots: pd.DataFrame, sites: pd.DataFrame,
             communes: pd.DataFrame | None, today: str) -> pd.DataFrame:
    """What an occupant row's terrains say of the establishment: point, zone, EPCI, commune."""
    by_plot = plots.drop_duplicates("plot_id").set_index(plots["plot_id"].astype(str)
                                                         .drop_duplicates())
    by_site = sites.drop_duplicates("site_id").set_index("site_id")
    first = known["terr_id"].map(lambda t: t.split("|")[0])
    site_ids = first.map(by_plot["site_id"]).astype(object)
    points = [shapely.multipoints([by_plot.geometry[t].representative_point()
                                   for t in terr.split("|") if by_plot.geometry[t] is not None])
              for terr in known["terr_id"]]
    insee = site_ids.map(by_site["commune_insee"]) if "commune_insee" in by_site else \
        pd.Series([None] * len(known), index=known.index, dtype=object)
    names: dict = {}
    if communes is not None and len(communes):
        names = dict(zip(communes["insee"], communes["name"], strict=False))
        if isinstance(communes, gpd.GeoDataFrame) and communes.geometry.notna().any():
            tree = shapely.STRtree(communes.geometry.to_numpy())
            for pos, mp in enumerate(points):
                hits = tree.query(shapely.get_geometry(mp, 0), predicate="intersects") \
                    if not shapely.is_empty(mp) else []
                if len(hits):
                    insee.iloc[pos] = communes["insee"].iloc[int(min(hits))]
    return pd.DataFrame({
        "etab_raison_sociale": known["etab_nom"],
        "epci_nom": site_ids.map(_column(by_site, "epci_name")),
        "epci_siren": site_ids.map(_column(by_site, "epci_siren")),
        "comm_insee": insee, "comm_nom": insee.map(names),
        "etab_identif_date": today, "etab_actu_date": today,
        "etab_source_info": OCCUPANT_SOURCE, "geocodage_qualite": OCCUPANT_GEOCODING,
        "geometry": points,
    }, index=known.index).astype(object)


def occupant_rows(occupants: pd.DataFrame | None, imported: gpd.GeoDataFrame | None,
                  plots: pd.DataFrame, sites: pd.DataFrame, communes: pd.DataFrame | None,
                  today: str, private: set[str] = frozenset()) -> gpd.GeoDataFrame | None:
    """The ETABLISSEMENT rows (``cnig_etablissement`` columns) of the legal occupants.

    Per SIRET, the occupants' own values win (:data:`OCCUPANT_FIELDS`; ``terr_id`` lists every
    exported terrain the establishment occupies, ``|``-joined), then the imported
    ``cnig_etablissement`` row's values, then what the terrains give: ``etab_raison_sociale`` =
    ``etab_nom`` (SIRENE's ``denominationUniteLegale``), ``epci_nom`` / ``epci_siren`` of the
    first terrain's zone, ``comm_insee`` of the commune holding its point (else the zone's),
    ``comm_nom`` from the ``communes`` layer, ``etab_identif_date`` / ``etab_actu_date`` =
    ``today``, ``etab_source_info`` = :data:`OCCUPANT_SOURCE`, ``geocodage_qualite`` =
    :data:`OCCUPANT_GEOCODING` and a point inside each terrain as geometry. Imported rows whose
    SIRET no occupant has are kept as they are. Rows named like a private owner (``private``:
    folded names) are left out with a :class:`~foncier.errors.FoncierWarning`. None when there
    are neither occupants nor imported rows.
    """
    if occupants is None and imported is None:
        return None
    fields = [f.column for f in schema_fields("etablissement")
              if f.name != GEOMETRY_FIELDS["etablissement"]]
    frames = []
    if occupants is not None and len(occupants):
        known = _occupied(pd.DataFrame(occupants), plots)
        mine = known.set_index(known["siret"], drop=False)
        derived = _derived(known, plots, sites, communes, today).set_index(mine.index)
        parts = [mine]
        if imported is not None and len(imported):
            old = pd.DataFrame(imported).copy()
            old = old[~missing_mask(_column(old, "siret"))]
            old = old.set_index(old["siret"].astype(str), drop=False)
            old = old[~old.index.duplicated()].reindex(mine.index)
            parts.append(old.rename(columns={old.geometry.name: "geometry"})
                         if isinstance(old, gpd.GeoDataFrame) else old)
        parts.append(derived)
        frames.append(_first_known(*parts))
    if imported is not None and len(imported):
        taken = set(frames[0]["siret"]) if frames else set()
        rest = pd.DataFrame(imported).copy()
        rest = rest[~_column(rest, "siret").astype(str).isin(taken)]
        if isinstance(imported, gpd.GeoDataFrame):
            rest["geometry"] = imported.geometry[rest.index].to_numpy()
        frames.append(rest)
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for col in [*fields, "geometry"]:
        if col not in rows.columns:
            rows[col] = None
    rows["etab_effectif_libelle"] = _fill(rows["etab_effectif_libelle"].astype(object),
                                          rows["etab_effectif_code"].map(band_label))
    hide = pd.Series([any(isinstance(v, str) and _folded(v) in private for v in pair)
                      for pair in zip(rows["etab_nom"], rows["etab_raison_sociale"],
                                      strict=True)], index=rows.index, dtype=bool)
    if hide.any():
        warnings.warn(f"{int(hide.sum())} établissement(s) au nom d'un propriétaire personne "
                      "physique laissé(s) hors de l'export CNIG (données personnelles) : SIRET "
                      f"{', '.join(map(str, rows.loc[hide, 'siret']))}.", FoncierWarning,
                      stacklevel=3)
        rows = rows[~hide.to_numpy()]
    return gpd.GeoDataFrame(rows[fields].reset_index(drop=True).astype(object),
                            geometry=list(rows["geometry"]), crs=CRS)


def band_label(code) -> str | None:
    """The INSEE label of a headcount band code (``3``, as the standard's example, is ``03``).

    Examples
    --------
    >>> band_label("3"), band_label("NN"), band_label("99"), band_label(None)
    ('6 à 9 salariés', 'Unité non employeuse', None, None)
    """
    if is_missing(code):
        return None
    code = str(code).strip().upper()
    return HEADCOUNT_BANDS.get(code.zfill(2) if code.isdigit() else code)


def explain_occupant_gaps(problems: list[Problem], tables: Mapping[str, pd.DataFrame]
                          ) -> list[Problem]:
    """The problems, an empty ETABLISSEMENT field SIRENE may lack saying whose and how to fill it.

    Each « champ obligatoire vide » of a field of :data:`OCCUPANT_HINTS` names the
    establishment's SIRET (and its NAF code for the activity label) and the column to add to the
    occupants' file; other problems are returned as they are.

    Examples
    --------
    >>> etab = pd.DataFrame({"SIRET": ["73282932000074"], "etab_activite_code": ["25.62B"]})
    >>> gap = Problem("etablissement.etab_activite_libelle", "ligne 1",
    ...               "champ obligatoire vide : renseignez-le.")
    >>> message = explain_occupant_gaps([gap], {"etablissement": etab})[0].message
    >>> print(message[:66])
    champ obligatoire vide pour l'établissement SIRET 73282932000074 :
    >>> "(code NAF 25.62B)" in message, "colonne activity_label" in message
    (True, True)
    """
    etab = tables.get("etablissement")
    out = []
    for p in problems:
        field = p.where.partition(".")[2]
        if (etab is None or not p.where.startswith("etablissement.")
                or field not in OCCUPANT_HINTS or not str(p.row).startswith("ligne ")
                or not p.message.startswith("champ obligatoire vide")):
            out.append(p)
            continue
        row = etab.iloc[int(str(p.row).split()[1]) - 1]
        code = row.get("etab_activite_code")
        hint = OCCUPANT_HINTS[field].format(code="" if is_missing(code) else f" {code}")
        out.append(Problem(p.where, p.row, f"champ obligatoire vide pour l'établissement "
                           f"SIRET {row.get('SIRET')} : {hint}.", p.severity))
    return out


def _zone_values(plots: pd.DataFrame, site: pd.DataFrame, field: str) -> pd.Series:
    """Per plot, its zone's value of the SITE-ECO ``field`` (None when unknown)."""
    if not len(site) or field not in site.columns:
        return pd.Series([None] * len(plots), index=plots.index, dtype=object)
    per_site = site.drop_duplicates("site_id").set_index("site_id")[field]
    return plots["site_id"].map(per_site).astype(object)


def fill_from_zone(plots: pd.DataFrame, site: pd.DataFrame) -> pd.DataFrame:
    """The plots with the null attributes their zone's SITE-ECO facts imply filled in.

    Precedence: the plot's own value wins; the zone's value only fills a null. The facts are
    ``reseau_gaz`` -> ``gas``, ``reseau_fibre_optique`` -> ``fiber``,
    ``reseau_fret_ferroviaire`` (an ITE) -> ``rail_siding`` (« oui »/« non »),
    ``reseau_electrique`` « non » -> ``power_mw`` 0, and the road distances in km (the
    standard: « distance (en km) ... par la route »; ``autoroute_echang_dist`` states no unit and
    is read in km too) ``autoroute_echang_dist``, ``gare_fret_dist``, ``port_dist`` ->
    ``motorway_km``, ``rail_freight_km``, ``port_km``. Those distances are used by the access
    criteria only when the inventory holds no infrastructure of that kind (a measured distance
    to the inventory's own points wins). The ``from_zone`` column lists, ``|``-joined, the
    attributes each plot holds from its zone; verdict reasons then say « (valeur de la zone) ».

    Examples
    --------
    >>> plots = pd.DataFrame({"site_id": ["S1", "S1"], "gas": pd.array([None, False],
    ...                                                                 dtype="boolean")})
    >>> site = pd.DataFrame({"site_id": ["S1"], "reseau_gaz": ["oui"], "port_dist": ["4"]})
    >>> out = fill_from_zone(plots, site)
    >>> out["gas"].tolist(), out["port_km"].tolist(), out["from_zone"].tolist()
    ([True, False], [4.0, 4.0], ['gas|port_km', 'port_km'])
    """
    out = plots.copy()
    filled: list[pd.Series] = []
    facts = {**{f: (c, "flag") for f, c in ZONE_FLAGS.items()},
             "reseau_electrique": ("power_mw", "power"),
             **{f: (c, "km") for f, c in ZONE_DISTANCES.items()}}
    for field, (col, how) in facts.items():
        zone = _zone_values(out, site, field)
        if how == "flag":
            value = _oui_non(zone)
        elif how == "power":
            value = pd.Series(np.where(zone.eq("non").fillna(False), 0.0, np.nan),
                              index=out.index)
        else:
            value = pd.to_numeric(zone.map(lambda v: None if v is None else
                                           str(v).replace(",", ".")), errors="coerce")
            value = value.where(value >= 0)
        own = _column(out, col)
        use = missing_mask(own) & ~missing_mask(value)
        if how == "flag":
            merged = pd.array([bool(v) if u else (None if pd.isna(o) else bool(o))
                               for u, v, o in zip(use, value, own, strict=True)],
                              dtype="boolean")
        else:
            merged = pd.to_numeric(own, errors="coerce").astype("float64").where(~use, value)
        out[col] = merged
        filled.append(pd.Series(np.where(use, col, ""), index=out.index))
    names = pd.concat(filled, axis=1).agg(lambda r: "|".join(x for x in r if x), axis=1) \
        if filled and len(out) else pd.Series([], dtype=object)
    out["from_zone"] = names.where(names != "", None).astype(object).to_numpy()
    return out
