"""match --stability / --audit, gaps, and batch outputs carrying the decision columns and audit."""

from __future__ import annotations

import json
import sqlite3
import tomllib

import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from builders import make_layers

from foncier import write_inventory
from foncier.cli import main

BRIEF = 'name = "Atelier"\n[land]\nmin_area_ha = 3\nmax_price_eur_m2 = 35\n'


@pytest.fixture
def inventory(tmp_path):
    layers = make_layers([
        {"plot_id": "OK", "geometry": shapely.box(0, 0, 300, 100)},                  # 3 ha
        {"plot_id": "CHER", "price_eur_m2": 38.5, "geometry": shapely.box(400, 0, 700, 100)},
        {"plot_id": "PETIT", "geometry": shapely.box(800, 0, 1000, 100)},            # 2 ha
        {"plot_id": "FLOU", "price_eur_m2": None, "geometry": shapely.box(0, 200, 300, 300)},
    ])
    path = tmp_path / "inv.gpkg"
    write_inventory(layers, path)
    return path


@pytest.fixture
def brief(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text(BRIEF, encoding="utf-8")
    return path


def test_match_prints_near_misses_funnel_and_stability(inventory, brief, capsys):
    assert main(["match", "--project", str(brief), "--inventory", str(inventory),
                 "--stability"]) == 0
    out = capsys.readouterr().out
    assert "Presque compatibles (2 terrains" in out
    assert "passerait avec un prix maximal de 38,50 €/m²" in out
    assert "passerait avec une surface minimale de 2 ha" in out
    assert "Entonnoir" in out and "Stabilité du classement" in out


def test_printed_counts_agree_in_number_and_part_thousands(tmp_path):
    """One near miss, one plot left over: singulars; 12 000 plots: thousands parted by a
    narrow no-break space, as in the headline."""
    from foncier import inventory_from_layers, match
    from foncier.cli.matching import format_funnel, format_near_misses, format_ranking
    from foncier.core.brief import Brief

    plots = [{"plot_id": "OK", "geometry": shapely.box(0, 0, 300, 100)},
             {"plot_id": "CHER", "price_eur_m2": 38.5, "geometry": shapely.box(400, 0, 700, 100)}]
    res = match(inventory_from_layers(make_layers(plots)),
                Brief(name="A", min_area_ha=3, max_price_eur_m2=35))
    assert "Presque compatibles (1 terrain n'échoue que sur un critère) :" in \
        format_near_misses(res)
    assert format_ranking(res, limit=1, width=200).splitlines()[-1].startswith(
        "… 1 autre terrain (--limit N")
    many = [{"plot_id": f"P{i:05d}", "geometry": shapely.box(i * 200, 0, i * 200 + 100, 100)}
            for i in range(12_000)]
    res = match(inventory_from_layers(make_layers(many)), Brief(name="B", min_area_ha=3))
    ranking = format_ranking(res, limit=3, width=200).splitlines()
    assert "12\u202f000 terrains : 0 compatible, 0 à vérifier, 12\u202f000 incompatibles" \
        in ranking[0]
    assert ranking[-1].startswith("… 11\u202f997 autres terrains")
    surface = next(line for line in format_funnel(res).splitlines() if "Surface" in line)
    cells = [cell.strip(" ") for cell in surface.split("  ") if cell.strip(" ")]
    assert cells == ["Surface", "12\u202f000", "12\u202f000", "0"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg", ".geojson"])
def test_match_out_has_decision_columns_and_audit(inventory, brief, tmp_path, suffix, capsys):
    out, audit = tmp_path / f"r{suffix}", tmp_path / "r.audit.toml"
    assert main(["match", "--project", str(brief), "--inventory", str(inventory),
                 "--out", str(out), "--audit", str(audit)]) == 0
    if suffix == ".csv":
        frame = pd.read_csv(out, keep_default_na=False)
    elif suffix == ".xlsx":
        frame = pd.read_excel(out, keep_default_na=False)
        params = pd.read_excel(out, sheet_name="Paramètres")
        assert "Projet 1 : cahier des charges (TOML)" in params["Paramètre"].tolist()
    else:
        frame = pyogrio.read_dataframe(out, layer=None if suffix == ".geojson" else "results")
    cols = frame.columns.tolist()
    assert cols[cols.index("reasons") + 1:cols.index("reasons") + 3] == ["completeness", "relax"]
    by_id = frame.set_index("plot_id")
    assert by_id.loc["CHER", "relax"] == "price=38.5"
    assert by_id.loc["PETIT", "relax"] == "area=2"
    assert by_id.loc["FLOU", "completeness"] == pytest.approx(0.667)
    assert by_id.loc["OK", "relax"] in ("", None)
    record = tomllib.loads(audit.read_text(encoding="utf-8"))
    assert record["inventories"][0]["fingerprint"].startswith("file-")
    assert record["briefs"][0]["weights"]["price"] == 1.0
    assert "max_price_eur_m2 = 35" in record["briefs"][0]["toml"]
    if suffix == ".geojson":
        member = json.loads(out.read_text(encoding="utf-8"))["foncier_audit"]
        assert member["inventories"] == record["inventories"]
    if suffix == ".gpkg":
        table = pyogrio.read_dataframe(out, layer="foncier_audit")
        assert "briefs.1.toml" in table["key"].tolist()


def test_gaps_command_prints_and_writes(inventory, brief, tmp_path, capsys):
    out = tmp_path / "g.xlsx"
    assert main(["gaps", "--project", str(brief), "--inventory", str(inventory),
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Prix" in text and "1 projet × 4 terrains" in text
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Données manquantes", "Paramètres"]
    sheet = wb["Données manquantes"]
    header = next(sheet.iter_rows(values_only=True))
    assert header[:3] == ("Portée", "Zone d'activité", "Attribut")
    # Readable as opened: columns as wide as their header and texts, header and ids frozen.
    assert sheet.freeze_panes == "D2"
    for cell in sheet[1]:
        longest = max(len(str(c.value)) for c in sheet[cell.column_letter] if c.value is not None)
        assert sheet.column_dimensions[cell.column_letter].width >= min(longest, 40)
    # The same « Paramètres » sheet as the match and batch workbooks: the brief's TOML wraps.
    params = wb["Paramètres"]
    toml_row = next(r for r in params.iter_rows() if "TOML" in str(r[0].value))
    assert toml_row[1].alignment.wrap_text and "[land]" in toml_row[1].value
    assert params.row_dimensions[toml_row[1].row].height > 15
    csv = tmp_path / "g.csv"
    assert main(["gaps", "--project", str(brief), "--inventory", str(inventory),
                 "--out", str(csv)]) == 0
    frame = pd.read_csv(csv)
    row = frame[(frame["scope"] == "overall") & (frame["attribute"] == "price_eur_m2")]
    assert row[["unknown", "decided", "plots"]].values.tolist() == [[1, 1, 1]]


def test_gaps_refuses_a_bad_suffix_and_no_brief(inventory, brief, tmp_path, capsys):
    assert main(["gaps", "--project", str(brief), "--out", str(tmp_path / "g.ods")]) == 1
    assert "choisissez .csv ou .xlsx" in capsys.readouterr().err
    assert main(["gaps", "--inventory", str(inventory)]) == 1
    assert "au moins un cahier des charges" in capsys.readouterr().err


def test_batch_briefs_with_one_name_to_gpkg(inventory, tmp_path, capsys):
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "a.toml").write_text(BRIEF, encoding="utf-8")
    (folder / "b.toml").write_text(BRIEF + "[weights]\nprice = 1000\n", encoding="utf-8")
    out = tmp_path / "lot.gpkg"
    assert main(["batch", "--briefs", str(folder), "--inventory", str(inventory),
                 "--out", str(out)]) == 0
    layers = pyogrio.list_layers(out)[:, 0].tolist()
    assert {"atelier", "atelier_2", "atelier_presque", "atelier_presque_2", "synthese",
            "foncier_audit"} <= set(layers)
    with sqlite3.connect(out) as con:
        idents = [r[0] for r in con.execute("SELECT identifier FROM gpkg_contents")]
    assert len(idents) == len(set(idents))
    near = pyogrio.read_dataframe(out, layer="atelier_presque")
    assert sorted(near["relax"]) == ["area=2", "price=38.5"]
    summary = pyogrio.read_dataframe(out, layer="synthese")
    assert summary["Entonnoir"].iloc[0].startswith(("Surface : 1", "Prix : 1"))
    xlsx = tmp_path / "lot.xlsx"
    assert main(["batch", "--briefs", str(folder), "--inventory", str(inventory),
                 "--out", str(xlsx)]) == 0
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    assert wb.sheetnames == ["Synthèse", "Atelier", "Atelier (2)", "≈ Atelier", "≈ Atelier (2)",
                             "Matrice", "Paramètres"]
