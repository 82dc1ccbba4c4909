"""Spreadsheet inventories: the template, French values, problems by row and column."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

import foncier
from foncier.core.schema import LAND_CONTROLS, SALES_STAGES
from foncier.errors import StandardsError
from foncier.standards.spreadsheet import (
    DEFAULT_MAPPING,
    import_sheet,
    read_sheet,
    to_bool,
    to_number,
    write_template,
)
from tests.standards.cadastre_files import parcel, write_parcels

X, Y = 380_000.0, 6_900_000.0
COLUMN = {v: i + 1 for i, v in enumerate(DEFAULT_MAPPING.values())}


def _fill(path, rows):
    book = openpyxl.load_workbook(path)
    sheet = book["Terrains"]
    for r, row in enumerate(rows, start=2):
        for col, value in row.items():
            sheet.cell(r, COLUMN[col], value)
    book.save(path)
    return path


def test_the_template_has_lists_frozen_headers_and_a_readme(tmp_path):
    path = write_template(tmp_path / "modele.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Lisez-moi", "Terrains", "Listes"]
    sheet = book["Terrains"]
    assert [c.value for c in sheet[1]] == list(DEFAULT_MAPPING)
    assert sheet.freeze_panes == "B2"
    lists = book["Listes"]
    by_header = {lists.cell(1, j).value: [lists.cell(i, j).value for i in range(2, 40)
                                          if lists.cell(i, j).value is not None]
                 for j in range(1, lists.max_column + 1)}
    assert by_header["Stade de commercialisation"] == list(SALES_STAGES)
    assert by_header["Maîtrise foncière"] == list(LAND_CONTROLS)
    assert by_header["Régime ICPE maximal"][-1] == "Seveso seuil haut"
    assert by_header["Gaz"] == ["oui", "non"]
    rules = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter(COLUMN["sales_stage"])
    assert rules[f"{letter}2:{letter}2000"].startswith("=Listes!$")
    readme = book["Lisez-moi"]
    assert readme["A2"].value == "Identifiant du terrain"
    assert "obligatoire" in readme["B2"].value


def test_round_trip_template_filled_imported_matched(tmp_path):
    parcels = write_parcels(tmp_path / "cadastre-50-parcelles.json.gz",
                            [parcel("50147000ZK0101", X, Y, 200, 100),
                             parcel("50147000ZK0102", X + 200, Y, 100, 100)])
    path = _fill(write_template(tmp_path / "terrains.xlsx"), [
        {"plot_id": "L1", "site_id": "ZA1", "site_name": "ZA des Hauts",
         "cadastral_refs": "50147000ZK0101|50147000ZK0102", "declared_area_ha": "3",
         "price_eur_m2": "12,5", "plu_zone": "UX", "available_from": "30/06/2027",
         "sales_stage": "en vente", "occupancy": "inoccupé", "turnkey": "oui",
         "icpe_max": "Seveso seuil bas", "power_mw": 4, "gas": "non"},
        {"plot_id": "L2", "site_id": "ZA1", "x": X + 1000, "y": Y + 1000,
         "declared_area_ha": 1, "available_from": dt.datetime(2026, 1, 15),
         "sales_stage": "vendu, commercialisation achevée"},
        {"plot_id": "L3", "latitude": "49,0", "longitude": "-1,1", "declared_area_ha": "0,25"},
    ])
    inv, notes = import_sheet(path, tmp_path / "inv.gpkg", cadastre=parcels)
    assert "placé(s) par un point" in " ".join(n.message for n in notes)
    inv = foncier.open_inventory(tmp_path / "inv.gpkg")
    p = inv.plots.set_index("plot_id")
    assert p.loc["L1", "area_ha"] == pytest.approx(3.0, rel=1e-3)
    assert p.loc["L1", "price_eur_m2"] == 12.5
    assert p.loc["L1", "icpe_max"] == "seveso_seuil_bas"
    assert p.loc["L1", "turnkey"] == True  # noqa: E712
    assert p.loc["L1", "gas"] == False  # noqa: E712
    assert str(p.loc["L1", "available_from"])[:10] == "2027-06-30"
    assert p.loc["L2", "area_ha"] == pytest.approx(1.0)
    assert p.loc["L3", "area_ha"] == pytest.approx(0.25)
    assert inv.sites["site_id"].tolist() == ["ZA1"] and inv.sites["name"].tolist() == [
        "ZA des Hauts"]
    result = foncier.match(inv, foncier.Brief(name="Usine", min_area_ha=2, max_price_eur_m2=15),
                           on=dt.date(2025, 1, 1))
    status = dict(zip(result.table["plot_id"], result.table["status"], strict=True))
    assert status["L1"] == "match" and status["L2"] == "no_match"


def test_every_problem_is_reported_by_row_and_header(tmp_path):
    path = _fill(write_template(tmp_path / "t.xlsx"), [
        {"plot_id": "L1", "price_eur_m2": "douze", "x": X, "y": Y, "declared_area_ha": 1},
        {"plot_id": "L2", "sales_stage": "à vendre", "turnkey": "peut-être", "x": X},
        {"plot_id": "L3", "available_from": "31/02/2027", "x": X + 500, "y": Y},
    ])
    with pytest.raises(StandardsError) as err:
        read_sheet(path)
    got = {(p.row, p.message.split(" : ")[0]) for p in err.value.problems}
    assert got == {("ligne 2", "colonne « Prix €/m² »"),
                   ("ligne 3", "colonne « Stade de commercialisation »"),
                   ("ligne 3", "colonne « Clé en main »"),
                   ("ligne 3", "position incomplète ou hors limites"),
                   ("ligne 4", "colonne « Disponible à partir du »"),
                   ("ligne 4", "terrain placé par un point sans surface")}
    assert "« douze » n'est pas un nombre" in str(err.value)
    assert "t.xlsx (feuille Terrains)[ligne 2]" in str(err.value)


def test_a_csv_with_a_user_mapping(tmp_path):
    mapping = tmp_path / "correspondance.toml"
    mapping.write_text('[columns]\n"N° de lot" = "plot_id"\n"Surface cadastrale (ha)" = '
                       '"declared_area_ha"\n', encoding="utf-8")
    sheet = tmp_path / "lots.csv"
    sheet.write_bytes("N° de lot;Surface cadastrale (ha);X (Lambert-93);Y (Lambert-93);Remarque\n"
                      f"A;1,5;{X:.0f};{Y:.0f};à voir\n".encode("cp1252"))
    layers, notes = read_sheet(sheet, mapping=mapping)
    assert layers["plots"]["plot_id"].tolist() == ["A"]
    assert layers["plots"].geometry.iloc[0].area == pytest.approx(15_000)
    assert any("« Remarque » non reconnue" in n.message for n in notes)
    mapping.write_text('[columns]\n"Lot" = "numero_du_lot"\n', encoding="utf-8")
    with pytest.raises(StandardsError, match="colonne.s. inconnue.s. : « Lot » = "
                                             "« numero_du_lot »"):
        read_sheet(sheet, mapping=mapping)


def test_refs_without_a_parcels_file_are_refused(tmp_path):
    path = _fill(write_template(tmp_path / "t.xlsx"),
                 [{"plot_id": "L1", "cadastral_refs": "50147000ZK0101"}])
    with pytest.raises(StandardsError, match=r"\[ligne 2\].*paramètre `cadastre=`"):
        read_sheet(path)


def test_french_values():
    assert to_number("1\u202f234,5") == 1234.5
    assert to_bool("VRAI") is True
    with pytest.raises(ValueError):
        to_number("12,5,3")
    with pytest.raises(ValueError):
        to_bool("peut-être")


def test_cli_template_then_import(tmp_path, capsys):
    from foncier.cli import main

    out = tmp_path / "modele.xlsx"
    assert main(["sheet-template", str(out)]) == 0
    assert "Modèle de classeur écrit" in capsys.readouterr().out
    _fill(out, [{"plot_id": "L1", "x": X, "y": Y, "declared_area_ha": 2}])
    assert main(["import-sheet", str(out), "--out", str(tmp_path / "inv.gpkg")]) == 0
    assert "1 terrain(s) et 0 zone(s) importés" in capsys.readouterr().out
    out = _fill(write_template(tmp_path / "autre.xlsx"),
                [{"plot_id": "L1", "cadastral_refs": "50147000ZK0101"}])
    assert main(["import-sheet", str(out), "--out", str(tmp_path / "inv2.gpkg")]) != 0
    err = capsys.readouterr().err
    assert "option --cadastre" in err and "Traceback" not in err


def test_a_file_that_is_not_a_workbook_or_a_bad_mapping_is_said_in_french(tmp_path):
    fake = tmp_path / "terrains.xlsx"
    fake.write_text("pas un classeur", encoding="utf-8")
    with pytest.raises(StandardsError, match=r"terrains\.xlsx: classeur illisible \(ce n'est pas "
                                             r"un classeur Excel\) : donnez un fichier \.xlsx"):
        read_sheet(fake)
    mapping = tmp_path / "correspondance.toml"
    mapping.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(StandardsError, match=r"correspondance illisible \(« \] » attendu à la fin "
                                             r"de l'en-tête, ligne 1, colonne 9\)"):
        read_sheet(fake, mapping=mapping)
