"""CNIG Sites Économiques: reading the official files, validation, import, export, round trips."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from builders import make_layers

from foncier import inventory_from_layers, open_inventory
from foncier.cli import main
from foncier.errors import FoncierWarning
from foncier.standards.cnig import (
    COMPUTED,
    GEOMETRY_FIELDS,
    TABLES,
    CnigError,
    export_cnig,
    import_cnig,
    read_cnig,
    read_cnig_csv,
    read_cnig_gpkg,
    schema_fields,
    tables_from_inventory,
    validate_cnig,
    validate_tables,
)
from foncier.standards.cnig.write import TEMPLATE_GPKG, read_extensions
from tests.io.gpkg_clients import gpkg_schema, ogrinfo_warnings, validate

DATA = Path(__file__).parents[1] / "data" / "cnig"
TEMPLATE = DATA / "sites_economiques_template.gpkg"


@pytest.fixture
def official(tmp_path):
    """The four official example CSVs, copied (site-eco keeps its broken value)."""
    folder = tmp_path / "officiel"
    folder.mkdir()
    for table in TABLES:
        shutil.copy(DATA / f"{table}.csv", folder / f"{table}.csv")
    return folder


@pytest.fixture
def corrected(official):
    """The official examples with their violations of the standard corrected by hand."""
    site = official / "site-eco.csv"
    text = site.read_text(encoding="utf-8")
    text = text.replace("entrepôts;logistique;", "\"entrepôts, logistique\";existant et actif;")
    text = text.replace(";extension;", ";extension urbaine;").replace(";EPCI;", ";epci;")
    site.write_text(text, encoding="utf-8")
    etab = official / "etablissement.csv"
    etab.write_text(etab.read_text(encoding="utf-8").replace("Localisation au bâtiment",
                                                             "localisation au bâtiment"),
                    encoding="utf-8")
    return official


def _values(frame: pd.DataFrame, table: str) -> dict:
    skip = {"_row", "geometry", GEOMETRY_FIELDS[table]}
    return {c: frame[c].tolist() for c in frame.columns if c not in skip}


def test_enumerations_beside_constraints_are_read():
    fields = {f.name: f for f in schema_fields("terrain-eco")}
    assert "friche" in fields["terr_etat_occup"].enum      # sits beside "constraints"
    assert fields["terr_cle_en_main"].enum == ("oui", "non")  # sits inside "constraints"
    assert fields["terr_surf_brute"].required


def test_broken_official_line_is_an_error_naming_the_line(official):
    with pytest.raises(CnigError, match=r"site_vocadomi\[ligne 2\].*entrepôts.*logistique.*"
                                        r"`repair=True`"):
        read_cnig_csv(official / "site-eco.csv")


def test_broken_official_line_is_repaired_on_request(official):
    table, frame, notes = read_cnig_csv(official / "site-eco.csv", repair=True)
    assert table == "site-eco"
    assert frame.loc[0, "site_vocadomi"] == "entrepôts, logistique"
    assert frame.loc[0, "site_etat"] == "inconnu"
    assert frame.loc[0, "site_surf_brute"] == "37.2"       # the next fields are untouched
    repaired = [p for p in notes if p.where == "site-eco.site_vocadomi"]
    assert repaired[0].row == "ligne 2" and "valeur perdue" in repaired[0].message


def test_wrong_number_of_values_names_the_line(tmp_path):
    path = tmp_path / "terrain.csv"
    lines = (DATA / "terrain-eco.csv").read_text(encoding="utf-8").splitlines()
    path.write_text(lines[0] + "\n" + lines[1] + ";en trop\n", encoding="utf-8")
    with pytest.raises(CnigError, match=r"terrain-eco\[ligne 2\]: 20 valeurs pour 19 colonnes"):
        read_cnig_csv(path)


def test_unknown_header_is_refused(tmp_path):
    path = tmp_path / "autre.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(CnigError, match="en-tête non reconnu"):
        read_cnig_csv(path)


def test_validating_the_official_examples_lists_their_enum_violations(official):
    problems = validate_cnig(official, repair=True)
    errors = {(p.where, p.row) for p in problems if p.severity == "error"}
    assert errors == {("site-eco.site_evol_urba", "ligne 2"),
                      ("site-eco.site_moa_type", "ligne 2"),
                      ("etablissement.geocodage_qualite", "ligne 2")}
    broken = validate_cnig(official / "site-eco.csv")[0]
    assert (broken.where, broken.row) == ("site-eco.csv: site-eco.site_vocadomi", "ligne 2")


def test_validation_lists_every_violation_with_table_row_and_field(tmp_path):
    header = (DATA / "terrain-eco.csv").read_text(encoding="utf-8").splitlines()[0]
    geom = ('"{""type"": ""Polygon"", ""coordinates"": [[[650000,6860000],[650100,6860000],'
            '[650100,6860100],[650000,6860000]]]}"')
    good = ("T1;S1;80024000ZO0030;1.5;oui;2023-08-29;2023-08-29;commune;viabilisé et aménagé;"
            f"en vente;inoccupé;inconnu;;{geom};non;;;;12")
    bad = ("T1;S1;8002400ZO0030;beaucoup;peut-être;29/08/2023;2023-08-29;commune;"
           f"viabilisé et aménagé;à vendre;inoccupé;;;{geom};non;;;;")
    path = tmp_path / "terrain-eco.csv"
    path.write_text(f"{header}\n{good}\n{bad}\n", encoding="utf-8")
    found = {(p.where, p.row) for p in validate_cnig(path)}
    assert found == {
        ("terrain-eco.terr_refcad", "ligne 3"),          # pattern
        ("terrain-eco.terr_surf_brute", "ligne 3"),      # number
        ("terrain-eco.terr_utile", "ligne 3"),           # oui/non
        ("terrain-eco.terr_identif_date", "ligne 3"),    # date format
        ("terrain-eco.terr_stade_comm", "ligne 3"),      # enum beside constraints
        ("terrain-eco.terr_usage", "ligne 3"),           # required
        ("terrain-eco.terr_id", "ligne 3"),              # duplicate key
    }


def test_import_maps_cnig_fields_onto_the_inventory(official, tmp_path):
    target = tmp_path / "inv.gpkg"
    inv, problems = import_cnig(official, target, repair=True)
    assert {p.where for p in problems} >= {"site-eco.site_evol_urba", "site-eco.site_moa_type"}
    inv = open_inventory(target)
    site = inv.sites.iloc[0]
    assert (site["site_id"], site["name"], site["epci_siren"], site["commune_insee"],
            site["vocation"]) == ("80024_SITE-ECO_00001", "ZAC Les Bornes du Temps",
                                  "200071223", "80024", "entrepôts, logistique")
    assert site["cnig_site_moa_nom"] == "Citadys" and site["cnig_site_surf_brute"] == 37.2
    plot = inv.plots.iloc[0]
    assert plot["plot_id"] == "80024_TERRAIN-ECO_00131"
    assert plot["cadastral_refs"] == "80024000ZO0030|80024000ZO0034|80024000ZO0035"
    assert plot["sales_stage"] == "vendu, commercialisation achevée"
    assert plot["occupancy"] == "occupé" and plot["land_control"] == "structure intercommunale"
    assert plot["servicing_stage"] == "viabilisé et aménagé"
    assert bool(plot["turnkey"]) and plot["price_eur_m2"] == 5.35
    assert plot["declared_area_ha"] == 9.9                   # terr_surf_brute is in hectares
    assert bool(plot["gas"]) and bool(plot["fiber"]) and not bool(plot["rail_siding"])
    for unknown in ("power_mw", "plu_zone", "icpe_max", "available_from", "brownfield"):
        assert pd.isna(plot[unknown])                        # what the standard lacks
    assert plot["cnig_terr_acquereur"] == "SA Lactalys"
    extra = pyogrio.list_layers(target)[:, 0].tolist()
    assert "cnig_pole_eco" in extra and "cnig_etablissement" in extra


def test_round_trip_keeps_every_standard_field(corrected, tmp_path):
    source, _ = read_cnig(corrected)
    assert validate_tables(source) == []
    inv_path = tmp_path / "inv.gpkg"
    import_cnig(corrected, inv_path)
    with pytest.warns(FoncierWarning, match=r"etablissement\.terr_id \(1, 23 caractères au plus\)"
                      r".*etab_contact_tel \(1, 10 caractères au plus\)"):
        assert export_cnig(inv_path, csv_dir=tmp_path / "csv",
                           gpkg=tmp_path / "cnig.gpkg") == []
    assert validate_cnig(tmp_path / "csv") == []
    for back in (read_cnig(tmp_path / "csv")[0], read_cnig_gpkg(tmp_path / "cnig.gpkg")[0]):
        assert set(back) == set(TABLES)
        for table in TABLES:
            before, after = _values(source[table], table), _values(back[table], table)
            if table == "site-eco":
                for name in COMPUTED:                        # recomputed from the one plot
                    before.pop(name)
                    assert after.pop(name) == {"site_uf_nbre": ["1"],
                                               "site_uf_vacant_nbre": ["0"],
                                               "site_taux_vacance": ["0"],
                                               "site_surf_comm_dispo": ["0"]}[name]
            assert after == before, table
            assert np.allclose(shapely.get_coordinates(source[table].geometry.to_numpy()),
                               shapely.get_coordinates(back[table].geometry.to_numpy()),
                               rtol=0, atol=1e-6), table


def test_gpkg_export_has_the_template_structure(corrected, tmp_path):
    inv_path = tmp_path / "inv.gpkg"
    import_cnig(corrected, inv_path)
    out = tmp_path / "cnig.gpkg"
    with pytest.warns(FoncierWarning, match="coupés à leur largeur"):
        export_cnig(inv_path, gpkg=out)
    official = {name: gtype for name, gtype in pyogrio.list_layers(TEMPLATE) if gtype}
    assert {name: gtype for name, gtype in pyogrio.list_layers(out) if gtype} == official
    schema = gpkg_schema(out)
    assert schema.pop("foncier_extensions") == [("fid", "INTEGER", 1, 1), ("layer", "TEXT", 0, 0),
                                                ("id", "TEXT", 0, 0), ("field", "TEXT", 0, 0),
                                                ("value", "TEXT", 0, 0)]
    assert schema == gpkg_schema(TEMPLATE_GPKG)          # the template's tables, nothing more
    with sqlite3.connect(out) as con, sqlite3.connect(TEMPLATE_GPKG) as ref:
        styles = "SELECT f_table_name, styleName, styleQML, styleSLD FROM layer_styles"
        assert con.execute(styles).fetchall() == ref.execute(styles).fetchall()
    assert validate(out) == ""
    assert ogrinfo_warnings(out) == []
    terr = pyogrio.read_dataframe(out, layer="terrain_eco")
    assert terr["terr_m2_prix"].tolist() == [5]          # the template's MEDIUMINT...
    assert ("terrain_eco", "80024_TERRAIN-ECO_00131", "terr_m2_prix", "5.35") in \
        read_extensions(out)                              # ... and the exact price beside it
    assert read_cnig_gpkg(out)[0]["terrain-eco"]["terr_m2_prix"].tolist() == ["5.35"]


def test_official_empty_template_reads_as_an_empty_inventory(tmp_path):
    inv, problems = import_cnig(TEMPLATE, tmp_path / "vide.gpkg")
    assert (len(inv.sites), len(inv.plots), problems) == (0, 0, [])


def test_site_figures_are_computed_from_the_plots():
    box = shapely.box
    layers = make_layers(plots=[
        {"plot_id": "P1", "occupancy": "vacant", "sales_stage": "en vente",
         "declared_area_ha": 2.0, "geometry": box(0, 0, 200, 100)},
        {"plot_id": "P2", "occupancy": "friche", "sales_stage": "en vente avec contraintes",
         "declared_area_ha": None, "geometry": box(300, 0, 400, 100)},
        {"plot_id": "P3", "occupancy": "occupé", "sales_stage": "vendu, commercialisation "
         "achevée", "geometry": box(500, 0, 600, 100)},
        {"plot_id": "P4", "occupancy": "inoccupé", "sales_stage": "en vente",
         "declared_area_ha": 0.5, "geometry": box(700, 0, 750, 100)},
        {"plot_id": "F1", "site_id": None, "geometry": box(5e4, 0, 50100, 100)},
    ])
    tables = tables_from_inventory(inventory_from_layers(layers))
    site = tables["site-eco"].iloc[0]
    assert (site["site_uf_nbre"], site["site_uf_vacant_nbre"], site["site_taux_vacance"],
            site["site_surf_comm_dispo"]) == ("4", "2", "50", "3.5")
    assert "F1" not in set(tables["terrain-eco"]["terr_id"])    # outside every zone
    assert site["reseau_gaz"] == "oui" and site["site_type"] == "inconnu"


def test_sample_exports_cleanly_with_its_pole_eco(tmp_path):
    out = tmp_path / "cnig.gpkg"
    assert export_cnig(None, gpkg=out) == []            # no force needed
    poles = pyogrio.read_dataframe(out, layer="pole_eco")
    sites = pyogrio.read_dataframe(out, layer="site_eco")
    assert len(poles) == 7 and set(sites["pole_id"]) == set(poles["pole_id"])
    assert poles["pole_id"].str.fullmatch(r"\d{5}_POLE-ECO_\d{5}").all()
    assert validate(out) == ""
    assert ogrinfo_warnings(out) == []


def test_export_refuses_violations_and_writes_nothing(tmp_path):
    inv = open_inventory()
    inv.sites = inv.sites.drop(columns="cnig_pole_id")   # the sample without its POLE-ECO
    out = tmp_path / "csv"
    with pytest.raises(CnigError, match=r"(?s)site-eco\.pole_id\[ZAE-CMB-01\]: champ obligatoire "
                                        r"vide.*rien n'a été écrit"):
        export_cnig(inv, csv_dir=out)
    assert not out.exists()
    problems = export_cnig(inv, csv_dir=out, force=True)
    assert {p.where for p in problems} == {"site-eco.pole_id"}
    assert (out / "site-eco.csv").exists() and (out / "terrain-eco.csv").exists()


def test_cli_import_and_export(official, tmp_path, capsys):
    target = tmp_path / "inv.gpkg"
    assert main(["import-cnig", str(official), "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert "ligne 2" in err and "--repair" in err and "Traceback" not in err
    assert not target.exists()
    assert main(["import-cnig", str(official), "--out", str(target), "--repair"]) == 0
    assert "1 zone(s) et 1 terrain(s)" in capsys.readouterr().out
    assert main(["export-cnig", str(target), "--csv", str(tmp_path / "out")]) == 1
    assert "site_moa_type" in capsys.readouterr().err
    assert main(["validate-cnig", str(official / "pole-eco.csv")]) == 0
