"""Build the bundled sample inventory of the four Normandy territories and its investor briefs.

The four laureate territories of the "Impulsion Ingénierie Territoires" programme are CC Coutances
Mer et Bocage, CC de Bayeux Intercom, CC Caux - Austreberthe and the Dieppe Côte d'Albâtre
industrial territory (four EPCIs). From ``../shared/data`` (see SOURCES.md there) this script takes:

* the real EPCI membership and commune boundaries: the whole region's 2,709 communes, simplified
  to within 80 m, are the layer ``communes`` (the map's land background); the territories'
  communes anchor the zones;
* the real brownfields of the Cerema Cartofriches extract located in those communes (plots with
  ``brownfield = True``).

Everything else is **illustrative**: the activity zones (``sites``) are plausible zones placed in
real communes, their plots are a subdivision of the zones with attributes drawn at random (fixed
seed), and the constraints and infrastructure are approximate shapes and locations.

Usage::

    python scripts/build_sample_data.py [--shared ../shared/data] [--out sample_data]
    python scripts/build_sample_data.py --communes-only    # rewrite only the communes layer
    python scripts/build_sample_data.py --poles-only       # add only the POLE-ECO

The GeoPackage it writes is committed: the project works without ``../shared``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

CRS = "EPSG:2154"
SEED = 20250617
REPO = Path(__file__).resolve().parents[1]
TO_L93 = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)

TERRITORIES = {
    "CMB": ["200067023"],
    "BAY": ["241400555"],
    "CAU": ["247600646"],
    "DCA": ["247600786", "247600729", "200068534", "200069839"],
}
TERRITORY_NAMES = {
    "CMB": "CC Coutances Mer et Bocage",
    "BAY": "CC de Bayeux Intercom",
    "CAU": "CC Caux - Austreberthe",
    "DCA": "Territoire d'industrie Dieppe Côte d'Albâtre",
}

# Illustrative activity zones: (site_id, name, commune INSEE, vocation, anchor lon, anchor lat,
# target area ha, large plots (ha) to carve first, rail access, price factor).
ZONES = [
    ("ZAE-CMB-01", "Parc d'activités de la route de Saint-Lô", "50147", "industrielle",
     -1.425, 49.052, 42, [13.5], True, 0.75),
    ("ZAE-CMB-02", "ZA du Pont de Soulles", "50147", "artisanale",
     -1.452, 49.036, 18, [], False, 0.75),
    ("ZAE-CMB-03", "ZA de la Mare", "50550", "mixte", -1.405, 49.125, 22, [], False, 0.7),
    ("ZAE-CMB-04", "ZA de la Sienne", "50197", "artisanale", -1.350, 48.905, 12, [], False, 0.65),
    ("ZAE-CMB-05", "Parc d'activités du Bocage", "50092", "industrielle",
     -1.385, 49.065, 70, [24.0, 16.0], False, 0.7),
    ("ZAE-BAY-01", "ZA de Bellefontaine", "14047", "mixte", -0.716, 49.266, 40, [], True, 1.0),
    ("ZAE-BAY-02", "Parc d'activités de la route de Caen", "14663", "industrielle",
     -0.672, 49.276, 40, [12.5], True, 1.0),
    ("ZAE-BAY-03", "Parc logistique du Bessin", "14630", "entrepôts, logistique",
     -0.660, 49.262, 60, [21.0, 14.0], True, 1.0),
    ("ZAE-BAY-04", "ZA portuaire de Port-en-Bessin", "14515", "portuaire",
     -0.755, 49.340, 11, [], False, 1.1),
    ("ZAE-CAU-01", "Zone industrielle de Barentin", "76057", "industrielle",
     0.965, 49.552, 80, [22.5, 15.0], True, 1.6),
    ("ZAE-CAU-02", "Parc d'activités de l'Austreberthe", "76495", "entrepôts, logistique",
     0.980, 49.578, 50, [18.0], False, 1.6),
    ("ZAE-CAU-03", "ZA du Bois de Limésy", "76385", "artisanale",
     0.925, 49.610, 12, [], False, 1.3),
    ("ZAE-DCA-01", "Zone portuaire de Dieppe", "76217", "portuaire",
     1.095, 49.915, 24, [], True, 1.2),
    ("ZAE-DCA-02", "Parc d'activités Eurochannel", "76414", "industrielle",
     1.125, 49.905, 95, [23.0, 16.5, 12.8], True, 1.05),
    ("ZAE-DCA-03", "ZI de Rouxmesnil-Bouteilles", "76545", "industrielle",
     1.100, 49.893, 28, [], True, 1.05),
    ("ZAE-DCA-04", "Zone d'activités des Vertus", "76565", "mixte",
     1.070, 49.888, 30, [], False, 1.1),
    ("ZAE-DCA-05", "ZA du Bout du Mont", "76482", "artisanale", 1.040, 49.870, 18, [], False, 1.0),
    ("ZAE-DCA-06", "Parc d'activités de l'Aliermont", "76624", "industrielle",
     1.220, 49.875, 20, [], False, 0.85),
    ("ZAE-DCA-07", "Parc d'activités de Penly", "76618", "industrielle",
     1.200, 49.955, 60, [20.5, 12.2], False, 0.85),
    ("ZAE-DCA-08", "ZA du Val de Saâne", "76400", "artisanale", 0.920, 49.830, 12, [], False, 0.75),
    ("ZAE-DCA-09", "ZA de la Durdent", "76159", "mixte", 0.640, 49.790, 15, [], False, 0.75),
    ("ZAE-DCA-10", "Pôle d'activités de Tôtes", "76700", "entrepôts, logistique",
     1.050, 49.680, 32, [12.4], False, 0.8),
]

# Layout and attribute profile per vocation.
PROFILES = {
    "artisanale": dict(depths=(80, 80, 80), median=0.8, lo=0.3, hi=2.5, price=22, power=1.0,
                       water=(2, 40), height=(10, 15), zones=["UX", "UXb", "UE"],
                       icpe=({"none": .3, "declaration": .55, "enregistrement": .15})),
    "mixte": dict(depths=(110, 110), median=1.1, lo=0.3, hi=6, price=25, power=2.0,
                  water=(5, 120), height=(12, 20), zones=["UX", "UE", "1AUx"],
                  icpe={"none": .15, "declaration": .45, "enregistrement": .3, "autorisation": .1}),
    "entrepôts, logistique": dict(depths=(240, 240), median=4.5, lo=1.5, hi=25, price=20,
                                  power=4.0, water=(10, 80), height=(15, 32),
                                  zones=["UX", "1AUx", "2AUx"],
                                  icpe={"declaration": .1, "enregistrement": .45,
                                        "autorisation": .45}),
    "industrielle": dict(depths=(200, 200), median=2.0, lo=0.5, hi=25, price=18, power=8.0,
                         water=(100, 1800), height=(20, 40), zones=["UX", "UXa", "UZ", "1AUx"],
                         icpe={"none": .02, "declaration": .08, "enregistrement": .25,
                               "autorisation": .45, "seveso_seuil_bas": .12,
                               "seveso_seuil_haut": .08}),
    "portuaire": dict(depths=(140, 140), median=1.4, lo=0.5, hi=10, price=28, power=10.0,
                      water=(50, 800), height=(20, 40), zones=["UXp", "UZ", "UX"],
                      icpe={"enregistrement": .2, "autorisation": .5, "seveso_seuil_bas": .2,
                            "seveso_seuil_haut": .1}),
}
SALES = {"en vente": .6, "en vente avec contraintes": .1, "vendu, commercialisation achevée": .1,
         "réservé par option de réservation": .06, "non commercialisable": .03, "inconnu": .03}
OCCUPANCY = {"inoccupé": .77, "vacant": .08, "occupation transitoire": .05, "friche": .02,
             "occupé": .05, "inconnu": .03}
SERVICING = {"viabilisé et aménagé": .45, "viabilisé non aménagé": .25,
             "viabilisation en cours": .12, "non aménagé, non viabilisé": .12, "inconnu": .06}
CONTROL = {"structure intercommunale": .55, "commune": .12, "établissement public foncier": .08,
           "aménageur": .1, "SEM ou SPLA": .05, "personne physique": .06,
           "établissement industriel et commercial": .04}
NULL_SHARE = 0.10
ROAD_M = 10.0

# Approximate real locations (lon, lat) of infrastructure used by the access criteria.
INFRASTRUCTURE = [
    ("motorway_interchange", "N13 - échangeur de Bayeux ouest (voie express)", -0.735, 49.262),
    ("motorway_interchange", "N13 - échangeur de Bayeux est (voie express)", -0.668, 49.259),
    ("motorway_interchange", "A84 - échangeur de Villedieu-les-Poêles", -1.220, 48.845),
    ("motorway_interchange", "N174 - échangeur de Saint-Lô ouest (voie express)", -1.125, 49.105),
    ("motorway_interchange", "A150 - échangeur de Barentin", 0.975, 49.548),
    ("motorway_interchange", "A150/A151 - échangeur de Pavilly", 0.990, 49.575),
    ("motorway_interchange", "A29 - échangeur de Tôtes", 1.045, 49.690),
    ("motorway_interchange", "N27 - échangeur de Saint-Aubin-sur-Scie (voie express)",
     1.065, 49.875),
    ("motorway_interchange", "N27 - échangeur de Rouxmesnil-Bouteilles (voie express)",
     1.095, 49.885),
    ("rail_freight", "Gare fret de Dieppe", 1.085, 49.920),
    ("rail_freight", "Gare de Barentin (fret)", 0.957, 49.544),
    ("rail_freight", "Gare de Coutances (fret)", -1.437, 49.043),
    ("rail_freight", "Gare de Bayeux (fret)", -0.697, 49.272),
    ("rail_freight", "Gare de Saint-Lô (fret)", -1.097, 49.112),
    ("port", "Port de Dieppe", 1.087, 49.927),
    ("port", "Port de Rouen (HAROPA)", 1.040, 49.450),
    ("port", "Port du Havre (HAROPA)", 0.150, 49.480),
    ("port", "Port de Cherbourg", -1.610, 49.650),
    ("port", "Port de Caen-Ouistreham", -0.250, 49.280),
    ("airport", "Aérodrome de Dieppe - Saint-Aubin", 1.087, 49.882),
    ("airport", "Aéroport de Caen - Carpiquet", -0.450, 49.173),
    ("airport", "Aéroport de Rouen - Vallée de Seine", 1.175, 49.390),
    ("substation", "Poste source de Coutances", -1.430, 49.060, 60.0),
    ("substation", "Poste source de Bayeux", -0.700, 49.255, 80.0),
    ("substation", "Poste source de Barentin", 0.950, 49.560, 120.0),
    ("substation", "Poste source de Dieppe", 1.105, 49.900, 110.0),
    ("substation", "Poste 400 kV de Penly", 1.210, 49.975, 400.0),
    ("substation", "Poste 400 kV de Paluel", 0.630, 49.855, 400.0),
    ("substation", "Poste source de Tôtes", 1.050, 49.675, 40.0),
]

# Approximate river courses (lon, lat) for the illustrative flood plans.
RIVERS = {
    "Sienne": [(-1.35, 48.90), (-1.42, 48.94), (-1.46, 48.97), (-1.50, 49.00), (-1.55, 49.02)],
    "Soulles": [(-1.33, 49.06), (-1.40, 49.045), (-1.445, 49.034), (-1.48, 49.025),
                (-1.52, 49.015)],
    "Aure": [(-0.64, 49.24), (-0.68, 49.262), (-0.700, 49.276), (-0.72, 49.29), (-0.76, 49.30)],
    "Austreberthe": [(0.99, 49.60), (0.975, 49.575), (0.962, 49.555), (0.950, 49.540),
                     (0.930, 49.527), (0.900, 49.505), (0.875, 49.480)],
    "Arques": [(1.135, 49.878), (1.115, 49.893), (1.100, 49.907), (1.088, 49.922)],
    "Béthune": [(1.26, 49.80), (1.21, 49.835), (1.17, 49.860), (1.135, 49.878)],
    "Scie": [(1.11, 49.79), (1.09, 49.83), (1.075, 49.86), (1.060, 49.885), (1.040, 49.905),
             (1.030, 49.915)],
    "Durdent": [(0.62, 49.74), (0.64, 49.77), (0.645, 49.79), (0.65, 49.82), (0.66, 49.85)],
}
COASTS = {
    "Côte d'Albâtre": [(1.30, 49.99), (1.20, 49.97), (1.10, 49.935), (1.05, 49.925),
                       (0.95, 49.915), (0.85, 49.90), (0.72, 49.87), (0.62, 49.85)],
    "Bessin": [(-0.62, 49.345), (-0.70, 49.345), (-0.755, 49.350), (-0.80, 49.36)],
    "Havre de la Sienne": [(-1.58, 49.06), (-1.575, 49.03), (-1.57, 49.00)],
}
TOWN_CENTRES = [  # (name, lon, lat, radius m)
    ("Coutances", -1.444, 49.048, 700), ("Saint-Sauveur-Lendelin", -1.412, 49.130, 350),
    ("Gavray", -1.351, 48.911, 350), ("Bayeux", -0.702, 49.277, 900),
    ("Saint-Vigor-le-Grand", -0.685, 49.285, 400), ("Port-en-Bessin", -0.757, 49.346, 400),
    ("Barentin", 0.955, 49.545, 800), ("Pavilly", 0.955, 49.568, 600),
    ("Dieppe", 1.080, 49.922, 1200), ("Neuville-lès-Dieppe", 1.105, 49.925, 500),
    ("Offranville", 1.047, 49.873, 450), ("Arques-la-Bataille", 1.127, 49.880, 450),
    ("Saint-Nicolas-d'Aliermont", 1.222, 49.879, 450), ("Luneray", 0.915, 49.828, 400),
    ("Cany-Barville", 0.638, 49.789, 450), ("Tôtes", 1.048, 49.680, 400),
]


def to_l93(lon, lat):
    """Project a WGS84 longitude/latitude pair to Lambert-93 (x, y)."""
    return TO_L93.transform(lon, lat)


def line_l93(coords):
    """Return a LineString in Lambert-93 from a list of WGS84 (lon, lat) pairs."""
    return LineString([to_l93(lon, lat) for lon, lat in coords])


def pick(rng, weights, n=None):
    """Draw value(s) from a ``{value: weight}`` mapping."""
    keys = list(weights)
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(keys, size=n, p=p / p.sum())


def largest_part(geom):
    """Return the largest polygon of a (Multi)Polygon, or the geometry itself."""
    if isinstance(geom, MultiPolygon):
        return max(geom.geoms, key=lambda g: g.area)
    return geom


def load_territory(shared):
    """Load membership and commune polygons of the four territories.

    Parameters
    ----------
    shared : Path
        The shared data folder.

    Returns
    -------
    members : DataFrame
        Columns insee, name, epci_siren, epci_name, territory.
    communes : GeoDataFrame
        Layer ``communes`` (insee, name, epci_siren, geometry) in EPSG:2154.
    """
    m = pd.read_csv(shared / "epci_communes_normandie.csv", dtype=str)
    code_of = {s: t for t, sirens in TERRITORIES.items() for s in sirens}
    m = m[m["siren"].isin(code_of)].copy()
    m["territory"] = m["siren"].map(code_of)
    members = m.rename(columns={"nom_membre": "name", "siren": "epci_siren",
                                "raison_sociale": "epci_name"})[
        ["insee", "name", "epci_siren", "epci_name", "territory"]]
    raw = gpd.read_file(shared / "communes_normandie.geojson").to_crs(CRS)
    raw = raw[raw["code"].isin(members["insee"])]
    geoms = shapely.make_valid(raw.geometry.simplify(10, preserve_topology=True).values)
    communes = gpd.GeoDataFrame({"insee": raw["code"].values}, geometry=geoms, crs=CRS)
    communes = communes.merge(members[["insee", "name", "epci_siren"]], on="insee")
    communes["geometry"] = [largest_part(g) if g.geom_type == "GeometryCollection" else g
                            for g in communes.geometry]
    return members.reset_index(drop=True), communes[["insee", "name", "epci_siren", "geometry"]]


def load_brownfields(shared, members):
    """Real brownfields of the Cartofriches extract located in the territories' communes.

    Each point becomes a square of the unit's surface (1 ha when it is missing).

    Returns
    -------
    GeoDataFrame
        Columns friche_id, name, insee, status, owner, refcad, urba, surface_m2, geometry.
    """
    f = pd.read_csv(shared / "friches_normandie.csv", sep=";", dtype=str, keep_default_na=False)
    f = f[f["comm_insee"].isin(members["insee"])].copy()
    pts = gpd.GeoSeries.from_wkt(f["geompoint"].values, crs="EPSG:4326").to_crs(CRS)
    surface = pd.to_numeric(f["unite_fonciere_surface"].replace("NA", None), errors="coerce")
    surface = surface.fillna(10_000.0).values
    half = np.sqrt(surface) / 2
    squares = [box(p.x - h, p.y - h, p.x + h, p.y + h) for p, h in zip(pts, half, strict=True)]
    f = f.replace({"": None, "NA": None})
    return gpd.GeoDataFrame({
        "friche_id": f["site_id"].values,
        "name": f["site_nom"].values,
        "insee": f["comm_insee"].values,
        "status": f["site_statut"].values,
        "owner": f["proprio_personne"].values,
        "refcad": f["unite_fonciere_refcad"].values,
        "urba": f["urba_zone_type"].values,
        "surface_m2": surface,
    }, geometry=squares, crs=CRS)


def place_zone(commune_geom, forbidden, anchor, area_ha, width):
    """Place an oriented rectangle of ``area_ha`` near ``anchor`` inside a commune.

    Candidate centres on a 250 m grid around the anchor and 12 orientations are tried; the
    closest candidate lying inside the commune (30 m margin) and clear of ``forbidden`` wins,
    else the one with the largest share inside.

    Returns
    -------
    centre : tuple of float
    angle : float
        Rotation in degrees.
    length : float
        Length of the rectangle along its rotated x axis (its width is ``width``).
    """
    allowed = commune_geom.buffer(-30).difference(forbidden)
    length = area_ha * 1e4 / width
    base = box(-length / 2, -width / 2, length / 2, width / 2)
    offsets = np.arange(-2000, 2001, 250)
    cands = []
    for dx in offsets:
        for dy in offsets:
            for angle in range(0, 180, 15):
                cands.append((anchor[0] + dx, anchor[1] + dy, angle, math.hypot(dx, dy)))
    rects = [affinity.translate(affinity.rotate(base, a, origin=(0, 0)), x, y)
             for x, y, a, _ in cands]
    share = shapely.area(shapely.intersection(rects, allowed)) / base.area
    dist = np.array([c[3] for c in cands])
    ok = share > 0.999
    i = int(np.argmin(np.where(ok, dist, np.inf))) if ok.any() else int(np.argmax(share))
    return (cands[i][0], cands[i][1]), float(cands[i][2]), length


def subdivide(rng, length, depths, big, prof):
    """Cut a rectangle [0, length] x [0, sum(depths)+roads] into rows of plots.

    Rows are separated by a service road; within a row, plots touch or, now and then, are
    separated by a service road. Large plots in ``big`` are carved first in the first rows.

    Returns
    -------
    list of Polygon
        Plot rectangles in the zone's local frame.
    """
    plots, y0, big = [], 0.0, list(big)
    for depth in depths:
        x, min_len = 0.0, 0.3e4 / depth
        while length - x >= min_len:
            area = big.pop(0) if big else float(np.clip(
                rng.lognormal(math.log(prof["median"]), 0.6), prof["lo"], prof["hi"]))
            w = min(area * 1e4 / depth, length - x)
            if length - x - w < min_len and (length - x) * depth <= 25e4:
                w = length - x
            plots.append(box(x, y0, x + w, y0 + depth))
            x += w + (ROAD_M if rng.random() < 0.15 else 0.0)
        y0 += depth + ROAD_M
    return plots


def to_world(geom, frame):
    """Move a geometry from a zone's local frame (origin at a corner) to Lambert-93.

    ``frame`` is ``(length, width, angle, centre)`` as returned by :func:`place_zone`.
    """
    length, width, angle, centre = frame
    local = affinity.translate(geom, -length / 2, -width / 2)
    return affinity.translate(affinity.rotate(local, angle, origin=(0, 0)), *centre)


def cadastral_refs(rng, insee, section, counter, area_ha):
    """Fake but well-formed 14-character cadastral references (``INSEE000SSNNNN``)."""
    n = int(min(6, 1 + area_ha // 3))
    nums = counter + np.arange(n)
    return "|".join(f"{insee}000{section}{k:04d}" for k in nums), counter + n + rng.integers(0, 4)


def random_attributes(rng, prof, zone, area_ha):
    """Draw the attributes of one zone plot with plausible correlations."""
    _sid, _name, _insee, vocation, _lon, _lat, _a, _big, rail, pfac = zone
    sales = str(pick(rng, SALES))
    occ = "occupé" if sales.startswith("vendu") and rng.random() < .8 else str(pick(rng, OCCUPANCY))
    serv = str(pick(rng, SERVICING))
    raw = "non aménagé" in serv
    price = prof["price"] * pfac * rng.uniform(0.7, 1.35) * (0.6 if raw else 1.0)
    year = int(rng.integers(2027, 2030) if raw or serv == "viabilisation en cours"
               else rng.integers(2025, 2029))
    day = pd.Timestamp(year, 1, 1) + pd.Timedelta(days=int(rng.integers(0, 365)))
    power = prof["power"] * rng.lognormal(0, 0.5) * (1 + area_ha / 10)
    lo, hi = prof["water"]
    return {
        "sales_stage": sales, "occupancy": occ, "servicing_stage": serv,
        "land_control": str(pick(rng, CONTROL)),
        "turnkey": bool(rng.random() < (0.3 if vocation == "entrepôts, logistique" else 0.15)),
        "price_eur_m2": round(float(np.clip(price, 8, 60)), 1),
        "available_from": day.strftime("%Y-%m-%d"),
        "plu_zone": "A" if rng.random() < 0.02 else str(rng.choice(prof["zones"])),
        "icpe_max": str(pick(rng, prof["icpe"])),
        "power_mw": round(float(np.clip(power, 0.5, 40)), 1),
        "water_m3_day": round(float(rng.uniform(lo, hi) * (1 + area_ha / 20)), 0),
        "gas": bool(rng.random() < (0.85 if vocation in ("industrielle", "portuaire") else 0.6)),
        "fiber": bool(rng.random() < 0.75),
        "rail_siding": bool(rail and rng.random() < 0.6),
        "brownfield": False,
        "max_height_m": float(np.round(rng.uniform(*prof["height"]) * 2) / 2),
    }


# Plots whose attributes are set so that every brief has sure matches and plots to check (one
# attribute left unknown): (site_id, rank of the plot by area in its zone) -> attributes.
SHOWCASE = {
    ("ZAE-CAU-01", 0): dict(icpe_max="autorisation", power_mw=28.0, rail_siding=True),
    ("ZAE-CAU-01", 1): dict(icpe_max="autorisation", power_mw=None, rail_siding=True),
    ("ZAE-DCA-02", 0): dict(icpe_max="autorisation", power_mw=32.0, rail_siding=True),
    ("ZAE-DCA-02", 1): dict(icpe_max="seveso_seuil_bas", power_mw=20.0, rail_siding=None,
                            water_m3_day=None),
    ("ZAE-DCA-02", 2): dict(icpe_max="autorisation", power_mw=18.0, rail_siding=True,
                            available_from=None),
    ("ZAE-BAY-02", 0): dict(icpe_max="autorisation", power_mw=22.0, rail_siding=True,
                            water_m3_day=None, plu_zone=None),
    ("ZAE-BAY-03", 0): dict(icpe_max="enregistrement", power_mw=9.0, max_height_m=25.0),
    ("ZAE-BAY-03", 1): dict(icpe_max="enregistrement", power_mw=6.0, max_height_m=None),
    ("ZAE-CAU-02", 0): dict(icpe_max="seveso_seuil_bas", power_mw=12.0, water_m3_day=None),
    ("ZAE-CAU-02", 1): dict(icpe_max="autorisation", power_mw=8.0, fiber=None),
    ("ZAE-DCA-07", 0): dict(icpe_max="seveso_seuil_bas", power_mw=25.0, water_m3_day=900.0),
    ("ZAE-DCA-07", 1): dict(icpe_max="seveso_seuil_haut", power_mw=15.0, water_m3_day=None),
    ("ZAE-CMB-01", 0): dict(icpe_max="autorisation", water_m3_day=1500.0, plu_zone="UXa"),
}
SHOWCASE_BASE = dict(sales_stage="en vente", occupancy="inoccupé", gas=True, fiber=True,
                     available_from="2026-03-01", price_eur_m2=19.0, turnkey=False,
                     servicing_stage="viabilisé non aménagé", plu_zone="UX", max_height_m=32.0)


def build_sites_and_plots(rng, members, communes, brownfields):
    """Place the illustrative zones and cut them into plots.

    Returns
    -------
    sites, plots : GeoDataFrame
    """
    geom_of = dict(zip(communes["insee"], communes.geometry, strict=True))
    info = members.set_index("insee")
    friche_union = shapely.union_all(brownfields.geometry.values).buffer(5)
    placed, site_rows, plot_rows = [], [], []
    for k, zone in enumerate(ZONES):
        sid, name, insee, vocation, lon, lat, area_ha, big, _rail, _pf = zone
        prof = PROFILES[vocation]
        width = sum(prof["depths"]) + ROAD_M * (len(prof["depths"]) - 1)
        forbidden = shapely.union_all([g.buffer(80) for g in placed]) if placed else Polygon()
        centre, angle, length = place_zone(geom_of[insee], forbidden, to_l93(lon, lat),
                                           area_ha, width)
        frame = (length, width, angle, centre)
        zone_geom = largest_part(to_world(box(0, 0, length, width), frame)
                                 .intersection(geom_of[insee]))
        placed.append(zone_geom)
        site_rows.append({"site_id": sid, "name": name, "epci_siren": info.at[insee, "epci_siren"],
                          "epci_name": info.at[insee, "epci_name"], "commune_insee": insee,
                          "vocation": vocation, "geometry": zone_geom})
        section = "Z" + "ABCDEFGHKLMNPRSTVWX"[k % 19]
        counter = int(rng.integers(10, 200))
        cells = subdivide(rng, length, prof["depths"], big, prof)
        zone_plots = []
        for cell in cells:
            g = to_world(cell, frame).intersection(zone_geom).difference(friche_union)
            g = largest_part(shapely.make_valid(g))
            if g.is_empty or g.geom_type != "Polygon" or g.area < 0.3e4:
                continue
            zone_plots.append(shapely.set_precision(g, 0.01))
        order = np.argsort([-g.area for g in zone_plots])
        rank = {int(j): r for r, j in enumerate(order)}
        for j, g in enumerate(zone_plots):
            a_ha = g.area / 1e4
            refs, counter = cadastral_refs(rng, insee, section, counter, a_ha)
            row = {"plot_id": f"{sid}-P{j + 1:02d}", "site_id": sid, "cadastral_refs": refs}
            row.update(random_attributes(rng, prof, zone, a_ha))
            for col in ("sales_stage", "occupancy", "servicing_stage", "land_control", "turnkey",
                        "price_eur_m2", "available_from", "plu_zone", "icpe_max", "power_mw",
                        "water_m3_day", "gas", "fiber", "rail_siding", "max_height_m",
                        "cadastral_refs"):
                if rng.random() < NULL_SHARE:
                    row[col] = None
            if (sid, rank[j]) in SHOWCASE:
                row.update(SHOWCASE_BASE, **SHOWCASE[(sid, rank[j])])
            row["declared_area_ha"] = None if rng.random() < NULL_SHARE else a_ha
            row["geometry"] = g
            plot_rows.append(row)
    sites = gpd.GeoDataFrame(site_rows, geometry="geometry", crs=CRS)
    return sites, gpd.GeoDataFrame(plot_rows, geometry="geometry", crs=CRS)


def brownfield_plots(brownfields, sites):
    """Turn the real brownfields into plots (keeping their Cartofriches ids), in their zone."""
    stage = {"friche sans projet": "en vente avec contraintes", "friche potentielle": "inconnu",
             "friche avec projet": "non commercialisable"}
    owner = {"personne physique": "personne physique", "commune": "commune",
             "EPF": "établissement public foncier"}
    rows = []
    for f in brownfields.itertuples():
        inside = sites[sites.contains(f.geometry.centroid)]
        rows.append({
            "plot_id": str(f.friche_id),
            "site_id": inside["site_id"].iloc[0] if len(inside) else None,
            "cadastral_refs": f.refcad, "sales_stage": stage.get(f.status),
            "occupancy": "friche", "servicing_stage": "inconnu",
            "land_control": owner.get(f.owner), "turnkey": False, "price_eur_m2": None,
            "available_from": None, "plu_zone": f.urba, "icpe_max": None, "power_mw": None,
            "water_m3_day": None, "gas": None, "fiber": None, "rail_siding": None,
            "brownfield": True, "max_height_m": None,
            "declared_area_ha": f.surface_m2 / 1e4, "geometry": f.geometry,
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def build_constraints(sites):
    """Illustrative constraint polygons: flood plans, PPRT and Seveso zones, natural areas...

    Shapes follow approximate river courses, coasts and town centres; a few are placed relative
    to the illustrative zones so that the sample exercises partial and full overlaps.
    """
    rows = []

    def add(kind, level, name, geom):
        rows.append({"kind": kind, "level": level, "name": name, "source": "illustratif",
                     "geometry": geom})

    def circle(lon, lat, radius):
        return Point(to_l93(lon, lat)).buffer(radius, 32)

    widths = {"Sienne": (120, 380), "Soulles": (90, 260), "Aure": (100, 300),
              "Austreberthe": (80, 260), "Arques": (150, 420), "Béthune": (110, 320),
              "Scie": (80, 240), "Durdent": (70, 220)}
    for river, coords in RIVERS.items():
        line = line_l93(coords)
        w_int, w_pre = widths[river]
        add("flood", "interdiction", f"PPRI de la vallée de la {river} - zone rouge",
            line.buffer(w_int))
        add("flood", "prescriptions", f"PPRI de la vallée de la {river} - zone bleue",
            line.buffer(w_pre).difference(line.buffer(w_int - 20)))
    zone = sites.set_index("site_id").geometry
    # A run-off flood plan crossing part of two zones (partial and full overlaps).
    for sid, frac in (("ZAE-CAU-01", 0.18), ("ZAE-DCA-02", 0.12)):
        g = zone[sid]
        minx, miny, maxx, maxy = g.bounds
        strip = box(minx - 50, miny - 50, minx + (maxx - minx) * frac, maxy + 50).intersection(
            g.buffer(40))
        add("flood", "interdiction", f"Axe de ruissellement - {sid}", strip)
        add("flood", "prescriptions", f"Axe de ruissellement (abords) - {sid}", strip.buffer(120))
    # Seveso establishment and its PPRT in the Rouxmesnil-Bouteilles industrial zone.
    g = zone["ZAE-DCA-03"]
    x0, y0 = g.exterior.coords[0]
    add("seveso", None, "Établissement Seveso seuil haut (illustratif) - Rouxmesnil",
        Point(x0, y0).buffer(450, 32))
    add("pprt", "interdiction", "PPRT de Rouxmesnil-Bouteilles - zone grisée/rouge",
        Point(x0, y0).buffer(300, 32))
    add("pprt", "prescriptions", "PPRT de Rouxmesnil-Bouteilles - zone bleue",
        Point(x0, y0).buffer(800, 32))
    bx, by = zone["ZAE-CAU-01"].centroid.coords[0]
    add("seveso", None, "Établissement Seveso seuil bas (illustratif) - Barentin",
        Point(bx, by).buffer(350, 32))
    # Natural areas.
    add("natura2000", None, "ZSC Littoral cauchois", line_l93(COASTS["Côte d'Albâtre"]).buffer(700))
    add("natura2000", None, "ZSC Bassin de l'Arques",
        shapely.union_all([line_l93(RIVERS["Arques"]).buffer(60),
                           line_l93(RIVERS["Béthune"]).buffer(60)]))
    add("natura2000", None, "ZSC/ZPS Havre de la Sienne",
        line_l93(COASTS["Havre de la Sienne"]).buffer(1500))
    add("znieff2", None, "ZNIEFF 2 Vallée de l'Austreberthe",
        line_l93(RIVERS["Austreberthe"]).buffer(700))
    add("znieff2", None, "ZNIEFF 2 Vallée de la Soulles et de la Sienne",
        shapely.union_all([line_l93(RIVERS["Soulles"]).buffer(500),
                           line_l93(RIVERS["Sienne"]).buffer(600)]))
    add("znieff2", None, "ZNIEFF 2 Forêt d'Arques", circle(1.175, 49.855, 2200))
    add("znieff1", None, "ZNIEFF 1 Prairies humides de la Scie",
        line_l93(RIVERS["Scie"][1:4]).buffer(180))
    add("znieff1", None, "ZNIEFF 1 Coteau calcaire de Penly",
        Point(zone["ZAE-DCA-07"].exterior.coords[2]).buffer(250, 32))
    add("znieff1", None, "ZNIEFF 1 Bois de Saint-Vigor",
        Point(zone["ZAE-BAY-02"].exterior.coords[1]).buffer(200, 32))
    add("wetland", None, "Zones humides de l'Aure", line_l93(RIVERS["Aure"]).buffer(220))
    add("wetland", None, "Marais de la Sienne", line_l93(RIVERS["Sienne"][2:]).buffer(300))
    add("wetland", None, "Zone humide de l'Austreberthe",
        line_l93(RIVERS["Austreberthe"][1:4]).buffer(150))
    add("wetland", None, "Mare et prairie humide - Parc d'activités de Penly",
        Point(zone["ZAE-DCA-07"].centroid).buffer(150, 32))
    # Heritage, archaeology, coast, housing.
    for name, lon, lat in (("Cathédrale Notre-Dame de Bayeux", -0.7018, 49.2765),
                           ("Cathédrale Notre-Dame de Coutances", -1.4449, 49.0485),
                           ("Château-musée de Dieppe", 1.0753, 49.9247),
                           ("Château d'Arques-la-Bataille", 1.1300, 49.8770)):
        add("monument", None, f"Périmètre de 500 m - {name}", circle(lon, lat, 500))
    add("archaeology", None, "Zone de présomption archéologique - Bayeux antique",
        circle(-0.700, 49.276, 900))
    add("archaeology", None, "Zone de présomption archéologique - Château d'Arques",
        circle(1.130, 49.877, 400))
    add("littoral", None, "Bande littorale des 100 m - Dieppe",
        line_l93(COASTS["Côte d'Albâtre"][1:5]).buffer(150))
    add("littoral", None, "Bande littorale des 100 m - Port-en-Bessin",
        line_l93(COASTS["Bessin"]).buffer(150))
    for name, lon, lat, r in TOWN_CENTRES:
        add("housing", None, f"Zone d'habitat - {name}", circle(lon, lat, r))
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    out["geometry"] = shapely.set_precision(shapely.make_valid(out.geometry.values), 0.01)
    prefix = {"flood": "PPRI", "pprt": "PPRT", "seveso": "SEV", "natura2000": "N2000",
              "znieff1": "ZN1", "znieff2": "ZN2", "wetland": "ZH", "monument": "MH",
              "littoral": "LIT", "archaeology": "ARCH", "housing": "HAB"}
    out.insert(0, "constraint_id", [f"{prefix[k]}-{i + 1:03d}" for i, k in enumerate(out["kind"])])
    return out


def build_infrastructure():
    """Infrastructure points at approximately true locations (EPSG:2154)."""
    rows = []
    for i, item in enumerate(INFRASTRUCTURE):
        kind, name, lon, lat = item[:4]
        rows.append({"infra_id": f"INF-{i + 1:03d}", "kind": kind, "name": name,
                     "capacity_mw": item[4] if len(item) > 4 else np.nan,
                     "geometry": Point(to_l93(lon, lat))})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def finalize_plots(plots):
    """Set the DESIGN.md column order and dtypes (nullable booleans, float64, text as object)."""
    plots = plots.copy()
    area = plots.geometry.area / 1e4
    declared = pd.to_numeric(plots["declared_area_ha"], errors="coerce")
    rounded = declared.round(2)
    # Keep the declared surface within 1 % of the geometry (tiny brownfields need 4 decimals).
    declared = rounded.where((rounded - area).abs() <= 0.01 * area, declared.round(4))
    plots["declared_area_ha"] = declared.astype("float64")
    for col in ("turnkey", "gas", "fiber", "rail_siding", "brownfield"):
        plots[col] = pd.array([None if v is None or v != v else bool(v) for v in plots[col]],
                              dtype="boolean")
    for col in ("price_eur_m2", "power_mw", "water_m3_day", "max_height_m"):
        plots[col] = pd.to_numeric(plots[col], errors="coerce").astype("float64")
    order = ["plot_id", "site_id", "cadastral_refs", "sales_stage", "occupancy",
             "servicing_stage", "land_control", "turnkey", "price_eur_m2", "available_from",
             "plu_zone", "icpe_max", "power_mw", "water_m3_day", "gas", "fiber", "rail_siding",
             "brownfield", "max_height_m", "declared_area_ha", "geometry"]
    return text_columns(gpd.GeoDataFrame(plots[order], geometry="geometry", crs=CRS))


def text_columns(gdf):
    """Cast the text columns of a layer to object dtype with None, and make its geometry type
    uniform (all Multi when some are), so that the GeoPackage layer has a declared type."""
    gdf = gdf.copy()
    if gdf.geom_type.str.startswith("Multi").any():
        gdf["geometry"] = [g if g.geom_type.startswith("Multi") else MultiPolygon([g])
                           for g in gdf.geometry]
    for col in gdf.columns:
        if col != "geometry" and not pd.api.types.is_numeric_dtype(gdf[col]) \
                and not pd.api.types.is_bool_dtype(gdf[col]):
            gdf[col] = pd.Series([None if v is None or v != v else str(v) for v in gdf[col]],
                                 index=gdf.index, dtype=object)
    return gdf


#: Simplification of the region's communes for the map background, in metres (about a pixel at
#: 1:300,000; the file stays under 3 MB).
REGION_SIMPLIFY_M = 80.0


def region_communes(shared: Path) -> gpd.GeoDataFrame:
    """Every commune of the region (the map's land background), simplified, in EPSG:2154.

    Returns
    -------
    GeoDataFrame
        Layer ``communes`` (insee, name, epci_siren, geometry); ``epci_siren`` from the EPCI
        membership file (None for a 2018 commune merged since).
    """
    m = pd.read_csv(shared / "epci_communes_normandie.csv", dtype=str)
    siren_of = dict(zip(m["insee"], m["siren"], strict=False))
    raw = gpd.read_file(shared / "communes_normandie.geojson").to_crs(CRS)
    geoms = shapely.make_valid(
        raw.geometry.simplify(REGION_SIMPLIFY_M, preserve_topology=True).values)
    geoms = [largest_part(g) if g.geom_type == "GeometryCollection" else g for g in geoms]
    communes = gpd.GeoDataFrame({"insee": raw["code"].values, "name": raw["nom"].values,
                                 "epci_siren": [siren_of.get(c) for c in raw["code"]]},
                                geometry=geoms, crs=CRS)
    communes = communes[~communes.geometry.is_empty].drop_duplicates("insee")
    return communes.reset_index(drop=True)


def rewrite_communes(shared: Path, path: Path) -> None:
    """Replace only the ``communes`` layer of an existing sample GeoPackage (plots, zones,
    constraints and infrastructure are kept byte for byte in their tables)."""
    communes = text_columns(region_communes(shared))
    assert communes.geometry.is_valid.all()
    tmp = path.with_name(f".{path.stem}.communes{path.suffix}")
    if tmp.exists():
        tmp.unlink()
    import shutil
    shutil.copyfile(path, tmp)
    pyogrio.write_dataframe(communes, tmp, layer="communes", driver="GPKG",
                            layer_options={"OVERWRITE": "YES"})
    import sqlite3
    with sqlite3.connect(tmp) as db:          # give back the old layer's pages
        db.execute("VACUUM")
    os.replace(tmp, path)
    print(f"{path}: communes layer rewritten, {len(communes)} communes")


#: The day the sample's POLE-ECO were "identified" (fixed, so that a rebuild gives the same file).
POLE_DATE = "2025-01-15"
#: POLE-ECO's vocations (the standard's enumeration) for the sample's site vocations.
POLE_VOCATION = {"industrielle": "industrielle", "artisanale": "artisanale",
                 "logistique": "entrepôts, logistique", "tertiaire": "tertiaire",
                 "commerciale": "commerciale"}


def pole_layers(sites, epci_names=None):
    """The sample's POLE-ECO, derived from its zones: one pole per EPCI, which groups its zones.

    Returns the sites with their ``cnig_pole_id`` (the SITE-ECO field the export reads) and the
    ``cnig_pole_eco`` layer (the POLE-ECO table's columns, a point geometry). Everything is
    derived from the zones, in the order of the EPCI's SIREN: ``pole_id`` is
    ``<INSEE of its largest zone's commune>_POLE-ECO_<n>`` (the standard's example form, 20
    characters), its name the EPCI's, its vocation the zones' common one (else « mixte, sans
    dominante »), its surface the zones' total in hectares, its point the zones' centroid.
    """
    sites = sites.copy()
    rows = []
    for n, (_siren, group) in enumerate(sorted(sites.groupby("epci_siren"), key=lambda g: g[0]),
                                       start=1):
        areas = group.geometry.area
        largest = group.loc[areas.idxmax()]
        pole_id = f"{largest['commune_insee']}_POLE-ECO_{n:05d}"
        sites.loc[group.index, "cnig_pole_id"] = pole_id
        vocations = {POLE_VOCATION.get(v, "mixte, sans dominante") for v in group["vocation"]}
        point = shapely.unary_union(group.geometry.to_numpy()).centroid
        lonlat = gpd.GeoSeries([point], crs=CRS).to_crs("EPSG:4326").iloc[0]
        rows.append({"pole_id": pole_id, "pole_nom": f"Pôle économique {largest['epci_name']}",
                     "pole_vocadomi": vocations.pop() if len(vocations) == 1
                     else "mixte, sans dominante",
                     "pole_identif_date": POLE_DATE, "pole_actu_date": POLE_DATE,
                     "pole_nb_site": len(group), "pole_nb_etab": None, "pole_nb_emploi": None,
                     "pole_surface": int(round(areas.sum() / 1e4)),
                     "pole_geompoint": f"{lonlat.x:.6f}, {lonlat.y:.6f}",
                     "pole_rayonnement": "local", "geometry": point})
    poles = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    sites = sites[[c for c in sites.columns if c != "geometry"] + ["geometry"]]
    for col in ("pole_nb_etab", "pole_nb_emploi"):
        poles[col] = poles[col].astype("Int32")
    return sites, poles


def add_poles(path: Path) -> None:
    """Give an existing sample its POLE-ECO: ``cnig_pole_id`` on ``sites`` and the
    ``cnig_pole_eco`` layer; every other layer (communes included) is copied as it is. The file
    is rewritten as GeoPackage 1.2 (through the library's writer)."""
    names = [str(r[0]) for r in pyogrio.list_layers(path)]
    layers = {name: pyogrio.read_dataframe(path, layer=name) for name in names
              if name != "cnig_pole_eco"}
    sites = layers["sites"].drop(columns=["cnig_pole_id"], errors="ignore")
    layers["sites"], layers["cnig_pole_eco"] = pole_layers(sites)
    writer = write_gpkg(layers, path)
    for name, frame in layers.items():              # every layer reads back as it was given
        back = pyogrio.read_dataframe(path, layer=name)
        assert len(back) == len(frame) and list(back.columns) == list(frame.columns), name
        assert back.geometry.geom_equals_exact(frame.geometry, 1e-9).all(), name
    print(f"{path}: {len(layers['cnig_pole_eco'])} POLE-ECO added ({writer})")


def write_gpkg(layers, path):
    """Write the layers to ``path``, atomically (through the library when it is available)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        from foncier.core.inventory import write_inventory
    except ImportError:
        write_inventory = None
    if write_inventory is not None:
        write_inventory(layers, path)
        return "foncier.core.inventory.write_inventory"
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    if tmp.exists():
        tmp.unlink()
    for name, gdf in layers.items():
        pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG",
                                dataset_options={"VERSION": "1.2"})
    os.replace(tmp, path)
    return "pyogrio"


BRIEFS = {  # file name -> brief (DESIGN.md format); dates are datetime.date
    "batteries.toml": {
        "name": "Projet Volta - gigafactory de batteries",
        "land": {"min_area_ha": 12.0, "available_by": dt.date(2027, 12, 31),
                 "brownfield": "accepted"},
        "regulatory": {"icpe": "autorisation", "excluded_constraints": ["wetland"],
                       "forbidden_constraints": ["flood:interdiction", "pprt:interdiction"]},
        "utilities": {"power_mw": 15.0, "water_m3_day": 300.0},
        "access": {"motorway_max_km": 15.0, "rail_siding": True},
        "weights": {"price": 1.0, "motorway": 1.0},
    },
    "logistique.toml": {
        "name": "Projet Hermès - plateforme logistique",
        "land": {"min_area_ha": 5.0, "max_area_ha": 30.0, "max_price_eur_m2": 40.0,
                 "building_height_m": 15.0, "accepted_zones": ["UX", "1AUX"],
                 "allow_assembly": True, "assembly_max_gap_m": 15.0},
        "regulatory": {"icpe": "enregistrement", "forbidden_constraints": ["flood:interdiction"]},
        "utilities": {"fiber": True},
        "access": {"motorway_max_km": 5.0},
        "weights": {"motorway": 2.0, "price": 1.0},
    },
    "agroalimentaire.toml": {
        "name": "Projet Bocage - usine agroalimentaire",
        "land": {"min_area_ha": 3.0, "accepted_zones": ["UX", "1AUX", "UZ"]},
        "regulatory": {"icpe": "enregistrement", "forbidden_constraints": ["flood"]},
        "utilities": {"water_m3_day": 500.0, "gas": True, "power_mw": 3.0},
        "access": {"motorway_max_km": 40.0},
    },
    "atelier.toml": {
        "name": "Projet Copeau - atelier artisanal",
        "land": {"min_area_ha": 0.3, "max_area_ha": 2.0, "max_price_eur_m2": 25.0},
        "regulatory": {"icpe": "declaration"},
        "utilities": {"fiber": True},
        "weights": {"price": 2.0},
    },
    "chimie_seveso.toml": {
        "name": "Projet Alizé - unité de chimie Seveso",
        "land": {"min_area_ha": 5.0},
        "regulatory": {"icpe": "seveso_seuil_bas", "min_housing_distance_m": 500.0,
                       "excluded_constraints": ["flood", "wetland"],
                       "forbidden_constraints": ["natura2000", "znieff1"]},
        "utilities": {"power_mw": 10.0, "water_m3_day": 400.0},
        "access": {"port_max_km": 30.0},
    },
}


def toml_value(v):
    """Format a scalar, date or list as a TOML value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def brief_toml(brief):
    """Serialize a brief dict (top-level keys then one table per section) as TOML text."""
    lines = [f"{k} = {toml_value(v)}" for k, v in brief.items() if not isinstance(v, dict)]
    for section, table in brief.items():
        if isinstance(table, dict):
            lines += ["", f"[{section}]"] + [f"{k} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def write_briefs(out):
    """Write the investor briefs (TOML, DESIGN.md format) into ``out/briefs``."""
    folder = out / "briefs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, brief in BRIEFS.items():
        (folder / name).write_text(brief_toml(brief), encoding="utf-8")
    return sorted(BRIEFS)


def summary(layers, members, brownfields, path, writer, briefs):
    """Print counts per layer and per territory."""
    print(f"Wrote {path} ({path.stat().st_size / 1e6:.2f} MB) with {writer}")
    for name, gdf in layers.items():
        print(f"  {name:15s} {len(gdf):4d} features")
    terr = members.set_index("insee")["territory"]
    sites = layers["sites"].assign(territory=lambda d: d["commune_insee"].map(terr))
    plots = layers["plots"].merge(sites[["site_id", "territory"]], on="site_id", how="left")
    fr = plots["plot_id"].isin(brownfields["friche_id"].astype(str))
    plots.loc[fr, "territory"] = brownfields["insee"].map(terr).values
    for code, label in TERRITORY_NAMES.items():
        p = plots[plots["territory"] == code]
        print(f"  {label}: {int((sites['territory'] == code).sum())} zones, {len(p)} plots "
              f"({p.geometry.area.sum() / 1e4:.0f} ha), {int(p['brownfield'].sum())} brownfields")
    print(f"  brownfields used: {len(brownfields)} real Cartofriches sites "
          f"({int(plots.loc[fr, 'site_id'].notna().sum())} inside a zone)")
    print(f"  briefs: {', '.join(briefs)}")


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data",
                        help="shared data folder (default: ../shared/data from the repo root)")
    parser.add_argument("--out", type=Path, default=REPO / "sample_data",
                        help="output folder (default: sample_data/ in the repo)")
    parser.add_argument("--communes-only", action="store_true",
                        help="rewrite only the communes layer of the existing sample")
    parser.add_argument("--poles-only", action="store_true",
                        help="add only the POLE-ECO (cnig_pole_eco, sites.cnig_pole_id) to the "
                             "existing sample")
    args = parser.parse_args(argv)
    if args.communes_only:
        rewrite_communes(args.shared, args.out / "normandie.gpkg")
        return
    if args.poles_only:
        add_poles(args.out / "normandie.gpkg")
        return
    rng = np.random.default_rng(SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    members, communes = load_territory(args.shared)
    brownfields = load_brownfields(args.shared, members)
    sites, zone_plots = build_sites_and_plots(rng, members, communes, brownfields)
    plots = gpd.GeoDataFrame(pd.concat([zone_plots, brownfield_plots(brownfields, sites)],
                                       ignore_index=True), geometry="geometry", crs=CRS)
    sites, poles = pole_layers(text_columns(sites))
    layers = {
        "sites": sites,
        "plots": finalize_plots(plots),
        "constraints": text_columns(build_constraints(sites)),
        "infrastructure": text_columns(build_infrastructure()),
        "communes": text_columns(region_communes(args.shared)),
        "cnig_pole_eco": poles,
    }
    for name, gdf in layers.items():
        assert gdf.geometry.is_valid.all(), name
        assert gdf.iloc[:, 0].is_unique, name
    path = args.out / "normandie.gpkg"
    writer = write_gpkg(layers, path)
    briefs = write_briefs(args.out)
    summary(layers, members, brownfields, path, writer, briefs)


if __name__ == "__main__":
    main()
