"""CNIG Friches import: real Cartofriches extract, point buffering, ids, updates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from builders import make_layers

from foncier import open_inventory, write_inventory
from foncier.cli import main
from foncier.standards.friches import FricheError, import_friches, plots_from_friches, read_friches

REAL = Path(__file__).parents[1] / "data" / "friches" / "friches_normandie.csv"
HEADER = "site_id;site_nom;unite_fonciere_surface;unite_fonciere_refcad;geompoint;geomsurf"


@pytest.fixture
def inventory(tmp_path):
    """A tiny inventory whose zone Z1 covers Bayeux (around -0.70, 49.28)."""
    zone = shapely.box(425_000, 6_910_000, 435_000, 6_920_000)
    layers = make_layers(plots=[{"plot_id": "P1",
                                 "geometry": shapely.box(426_000, 6_911_000, 426_200, 6_911_100)}],
                         sites=[{"site_id": "Z1", "geometry": zone}])
    path = tmp_path / "inv.gpkg"
    write_inventory(layers, path)
    return path


def test_real_friches_file_becomes_brownfield_plots(tmp_path):
    path = tmp_path / "vide.gpkg"
    write_inventory(make_layers(plots=[{"plot_id": "P1", "geometry": shapely.box(0, 0, 10, 10)}]),
                    path)
    added, replaced, problems = import_friches(REAL, path)
    raw = pd.read_csv(REAL, sep=";", dtype=str)
    assert (added, replaced, problems) == (len(raw), 0, [])
    plots = open_inventory(path).plots.set_index("plot_id")
    friches = plots.loc[raw["site_id"]]                       # ids kept as in the file
    assert friches["brownfield"].all() and (friches["occupancy"] == "friche").all()
    surface = pd.to_numeric(raw["unite_fonciere_surface"]).to_numpy()
    np.testing.assert_allclose(friches["area_ha"].to_numpy(), surface / 10_000, rtol=1e-6)
    first = friches.iloc[0]
    assert first["friche_geometrie"] == "disque de 11268 m² autour du point"
    assert first["cadastral_refs"] == "50419000ZK0101|50419000ZK0102"
    assert first["friche_site_nom"] == "Ancienne laiterie"
    centre = shapely.centroid(first.geometry)           # Quettreville-sur-Sienne, in Lambert-93
    assert 370_000 < centre.x < 380_000 and 6_880_000 < centre.y < 6_890_000


def test_polygon_is_used_when_present_and_zone_is_found(tmp_path, inventory):
    csv = tmp_path / "friches.csv"
    csv.write_text(
        f"{HEADER}\n"
        "F1;Usine;5000;NA;POINT (-0.70 49.28);"
        "POLYGON ((-0.701 49.279, -0.699 49.279, -0.699 49.281, -0.701 49.281, -0.701 49.279))\n"
        "F2;Dépôt;2000;NA;POINT (-1.45 48.97);NA\n", encoding="utf-8")
    added, _, problems = import_friches(csv, inventory)
    assert (added, problems) == (2, [])
    plots = open_inventory(inventory).plots.set_index("plot_id")
    assert plots.loc["F1", "friche_geometrie"] == "polygone"
    assert plots.loc["F1", "site_id"] == "Z1"                 # inside the zone
    assert pd.isna(plots.loc["F2", "site_id"])               # outside every zone
    assert plots.loc["F1", "area_ha"] == pytest.approx(3.24, rel=0.02)   # the outline, not 0.5
    assert plots.loc["F2", "area_ha"] == pytest.approx(0.2, rel=1e-6)    # disc of 2000 m²


def test_reimport_updates_the_same_plots(tmp_path, inventory):
    csv = tmp_path / "friches.csv"
    csv.write_text(f"{HEADER}\nF1;Usine;5000;NA;POINT (-0.70 49.28);NA\n", encoding="utf-8")
    import_friches(csv, inventory)
    csv.write_text(f"{HEADER}\nF1;Usine;8000;NA;POINT (-0.70 49.28);NA\n", encoding="utf-8")
    assert import_friches(csv, inventory)[:2] == (0, 1)
    plots = open_inventory(inventory).plots
    assert list(plots["plot_id"]) == ["P1", "F1"]
    assert plots["area_ha"].iloc[1] == pytest.approx(0.8, rel=1e-6)


def test_friche_without_polygon_nor_surface_is_reported_and_left_out(tmp_path):
    csv = tmp_path / "f.csv"
    csv.write_text(f"{HEADER}\nF1;Usine;NA;NA;POINT (-0.70 49.28);NA\n"
                   "F2;Hangar;douze;NA;POINT (-0.70 49.28);NA\n", encoding="utf-8")
    plots, problems = plots_from_friches(read_friches(csv), source="f.csv")
    assert len(plots) == 0
    rows = {(p.where, p.row) for p in problems}
    assert rows == {("f.csv", "ligne 2"), ("f.csv", "ligne 3"),
                    ("f.csv.unite_fonciere_surface", "ligne 3")}
    left_out = [p for p in problems if p.where == "f.csv"]
    assert all("ni polygone" in p.message and "ignorée" in p.message for p in left_out)


def test_not_a_friches_file_is_refused(tmp_path, inventory):
    csv = tmp_path / "autre.csv"
    csv.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(FricheError, match="colonnes site_id, geompoint, unite_fonciere_surface "
                                          "absentes"):
        import_friches(csv, inventory)


def test_cli_import_friches(tmp_path, inventory, capsys):
    csv = tmp_path / "friches.csv"
    csv.write_text(f"{HEADER}\nF1;Usine;5000;NA;POINT (-0.70 49.28);NA\n", encoding="utf-8")
    assert main(["import-friches", str(csv), "--into", str(inventory)]) == 0
    assert "1 friche(s) ajoutée(s), 0 mise(s) à jour" in capsys.readouterr().out
    assert main(["import-friches", str(tmp_path / "absent.csv"), "--into", str(inventory)]) == 1
    assert "fichier introuvable" in capsys.readouterr().err
