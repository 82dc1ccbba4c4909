"""The one-page investor report: content, HTML with an SVG map, and the command line."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pytest
import shapely
from conftest import make_layers

import foncier
from foncier.cli import main
from foncier.report import brief_summary, map_svg, meta_line, report_content, report_html

DAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def result(sample_inventory):
    brief = foncier.read_brief(foncier.sample_brief_paths()[0])
    return foncier.match(sample_inventory, brief, on=DAY)


def test_content_lists_the_best_plots_with_figures_and_reasons(result):
    content = report_content(result, top=5, today=DAY)
    table = result.table
    assert content.title == result.brief.name
    assert [p.plot_id for p in content.plots] == table["plot_id"].head(5).tolist()
    assert [p.status for p in content.plots] == table["status"].head(5).tolist()
    for p, why in zip(content.plots, table["reasons"].head(5), strict=True):
        assert " ; ".join(p.reasons) == why
        assert p.figures[0][0] == "Surface nette"
    assert content.counts == result.counts
    x0, y0, x1, y1 = content.extent
    box = shapely.box(x0, y0, x1, y1)
    assert all(box.contains(p.geometry) for p in content.plots)
    drawn = {pid for pid in result.inventory.plots["plot_id"]
             .iloc[[i for i, g in enumerate(result.inventory.plots.geometry)
                    if box.intersects(g)]]}
    assert len(content.layers["plots"]) == len(drawn)


def test_brief_summary_names_every_asked_key():
    brief = foncier.Brief(name="x", min_area_ha=10, max_area_ha=40, icpe="autorisation",
                          brownfield="excluded", rail_siding=True,
                          excluded_constraints=["wetland"], allow_assembly=True,
                          assembly_max_gap_m=15)
    assert brief_summary(brief) == [
        "Surface : 10 à 40 ha", "Friche : friches exclues", "Régime ICPE : autorisation",
        "Embranchement ferré : exigé", "Retirées de la surface : Zone humide",
        "Assemblage de terrains voisins accepté (écart ≤ 15 m)"]


def test_brief_summary_words_constraint_selectors_in_french():
    brief = foncier.Brief(name="x", forbidden_constraints=["seveso", "flood:interdiction"],
                          excluded_constraints=["pprt:prescriptions"])
    assert brief_summary(brief) == [
        "Contraintes interdites : Seveso, Inondation (PPRI) — zone d'interdiction",
        "Retirées de la surface : Risque technologique (PPRT) — zone de prescriptions"]


def test_meta_line_counts_with_singular_and_plural(result):
    content = report_content(result, top=3, today=DAY)
    c = result.counts
    line = meta_line(content)
    assert line.startswith(f"{content.inventory} — {len(result.status)} terrains étudiés : ")
    assert f"{c['to_check']} à vérifier" in line and line.endswith("le 02/03/2026")
    one = content.__class__(**{**content.__dict__, "counts": {"match": 1, "to_check": 0,
                                                              "no_match": 2}, "n_plots": 3})
    assert "1 compatible, 0 à vérifier, 2 incompatibles" in meta_line(one)
    assert html.escape(line) in report_html(content)


def test_html_has_the_brief_name_best_plots_and_an_svg_map(result):
    content = report_content(result, top=10, today=DAY)
    page = report_html(content)
    assert page.startswith("<!DOCTYPE html>")
    assert html.escape(result.brief.name) in page
    for pid in result.table["plot_id"].head(10):
        assert f"<b>{html.escape(pid)}</b>" in page
    assert "02/03/2026" in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    root = ET.fromstring(svg)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert result.table["plot_id"].iloc[0] in titles
    ranks = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert [str(i) for i in range(1, 11)] == [r for r in ranks if r.isdigit()][-10:]


def test_svg_map_keeps_north_up_and_the_plots_inside():
    inv = foncier.inventory_from_layers(make_layers(plots=[
        {"plot_id": "SUD", "geometry": shapely.box(0, 0, 100, 100)},
        {"plot_id": "NORD", "geometry": shapely.box(0, 2000, 100, 2100)}]))
    res = foncier.match(inv, foncier.Brief(name="x"), on=DAY)
    content = report_content(res, top=2, today=DAY)
    svg = ET.fromstring(map_svg(content, width=400, height=400))
    ns = "{http://www.w3.org/2000/svg}"
    centres = {}
    for path in svg.iter(f"{ns}path"):
        title = path.find(f"{ns}title")
        if title is not None:
            pts = [tuple(map(float, p.split(","))) for p in
                   re.findall(r"-?\d+\.?\d*,-?\d+\.?\d*", path.get("d"))]
            assert all(0 <= x <= 400 and 0 <= y <= 400 for x, y in pts)
            centres[title.text] = sum(y for _, y in pts) / len(pts)
    assert centres["NORD"] < centres["SUD"]          # north is up: smaller y


def test_cli_report_html(tmp_path, capsys):
    out = tmp_path / "rapport.html"
    brief = foncier.sample_brief_paths()[0]
    assert main(["report", "--project", str(brief), "--out", str(out), "--top", "3"]) == 0
    assert "Rapport « " in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    res = foncier.match(foncier.open_inventory(), foncier.read_brief(brief))
    assert html.escape(res.brief.name) in text
    for pid in res.table["plot_id"].head(3):
        assert pid in text


def test_cli_report_errors(tmp_path, capsys):
    brief = foncier.sample_brief_paths()[0]
    assert main(["report", "--project", str(brief), "--out", str(tmp_path / "r.docx")]) == 1
    assert "choisissez .pdf ou .html" in capsys.readouterr().err
    assert main(["report", "--project", str(tmp_path / "absent.toml"),
                 "--out", str(tmp_path / "r.html")]) == 1
    assert "introuvable" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_report_pdf_is_one_page(tmp_path):
    pytest.importorskip("gui.pdf")
    out = tmp_path / "rapport.pdf"
    brief = foncier.sample_brief_paths()[0]
    assert main(["report", "--project", str(brief), "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)) == 1


def test_report_presents_candidates_and_incompatible_plots_only_when_none_fit(sample_inventory):
    brief = foncier.read_brief(foncier.sample_brief_paths()[2])          # batteries: 1 + 3
    res = foncier.match(sample_inventory, brief, on=DAY)
    shown = report_content(res, top=10, today=DAY).plots
    assert [p.status for p in shown] == ["match", "to_check", "to_check", "to_check"]
    impossible = foncier.Brief(name="Impossible", min_area_ha=500)
    res = foncier.match(sample_inventory, impossible, on=DAY)
    shown = report_content(res, top=3, today=DAY).plots
    assert [p.status for p in shown] == ["no_match"] * 3
    assert all("< 500 ha demandés" in " ".join(p.reasons) for p in shown)


def test_report_ranks_assemblies_with_the_plots_when_the_brief_allows_them(sample_inventory):
    from foncier.assembly import assemble

    brief = next(p for p in foncier.sample_brief_paths() if p.stem == "logistique")
    res = foncier.match(sample_inventory, foncier.read_brief(brief), on=DAY)
    table = assemble(res)                 # scores count from the match's day (DAY)
    expected = table[table["status"] != "no_match"].head(10)
    shown = report_content(res, top=10, today=DAY).plots
    assert [p.plot_id for p in shown] == expected["plot_id"].tolist()
    assert [p.rank for p in shown] == list(range(1, 11))
    combined = [p for p in shown if "+" in p.plot_id]
    assert combined and all("assemblage de" in p.place for p in combined)
    assert all(p.figures[1] == ("Terrains regroupés", str(p.plot_id.count("+") + 1))
               for p in combined)
