"""The investor report: content, HTML with an SVG map, and the command line."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from builders import make_layers

import foncier
from foncier.cli import main
from foncier.report import (
    brief_summary,
    label_layout,
    map_svg,
    meta_line,
    report_content,
    report_html,
)

DAY = dt.date(2026, 3, 2)
NS = "{http://www.w3.org/2000/svg}"


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
    assert brief_summary(brief) == [          # French typography: NBSP before ":" and units
        "Surface\xa0: 10,00 à 40,00\xa0ha", "Friche\xa0: friches exclues",
        "Régime ICPE\xa0: autorisation", "Embranchement ferré\xa0: exigé",
        "Retirées de la surface\xa0: Zone humide",
        "Assemblage de terrains voisins accepté (écart ≤ 15\xa0m)"]


def test_brief_summary_words_constraint_selectors_in_french():
    brief = foncier.Brief(name="x", forbidden_constraints=["seveso", "flood:interdiction"],
                          excluded_constraints=["pprt:prescriptions"])
    assert brief_summary(brief) == [
        "Contraintes interdites\xa0: Seveso, Inondation (PPRI) — zone d'interdiction",
        "Retirées de la surface\xa0: Risque technologique (PPRT) — zone de prescriptions"]


def test_meta_line_counts_with_singular_and_plural(result):
    content = report_content(result, top=3, today=DAY)
    c = result.counts
    line = meta_line(content)
    assert line.startswith(f"{content.inventory} — {len(result.status)} terrains étudiés\xa0: ")
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
    labels = [t.text for g in root.iter(f"{NS}g") if g.get("class") == "rank"
              for t in g.iter(f"{NS}text")]
    assert sorted(int(r) for t in labels for r in t.split(" · ")) == list(range(1, 11))


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


def test_cli_report_pdf_is_a_summary_and_a_sheet_per_proposed_plot(tmp_path):
    pytest.importorskip("foncier_gui.pdf")
    out = tmp_path / "rapport.pdf"
    brief = foncier.sample_brief_paths()[0]
    assert main(["report", "--project", str(brief), "--out", str(out), "--sheets", "3"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)) == 1 + 3


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
    from foncier.analysis.assembly import assemble

    brief = next(p for p in foncier.sample_brief_paths() if p.stem == "logistique")
    res = foncier.match(sample_inventory, foncier.read_brief(brief), on=DAY)
    table = assemble(res)                 # scores count from the match's day (DAY)
    expected = table[table["status"] != "no_match"].head(10)
    shown = report_content(res, top=10, today=DAY).plots
    assert [p.plot_id for p in shown] == expected["plot_id"].tolist()
    assert [p.rank for p in shown] == list(range(1, 11))
    combined = [p for p in shown if "+" in p.plot_id]
    assert combined and all("assemblage de" in p.place for p in combined)
    for p in combined:
        assert p.members == tuple(p.plot_id.split("+"))
        # The table's id is short: the first member in full, then the others' own part.
        first, second, *_ = p.members
        assert p.label.startswith(f"{first} + {second.rsplit('-', 1)[1]}")
        assert len(p.label) <= len(first) + 12                # fits a table cell
        assert [k for k, _ in p.figures] == ["Surface nette", "Prix", "Disponible",
                                             "Échangeur"]


# ----------------------------------------------------------------------------- rank labels


def overlapping(a, b) -> bool:
    return (a[0] < b[0] + b[2] and b[0] < a[0] + a[2]
            and a[1] < b[1] + b[3] and b[1] < a[1] + a[3])


def on_edge(point, box) -> bool:
    x, y = point
    bx, by, w, h = box
    inside = bx - 1e-9 <= x <= bx + w + 1e-9 and by - 1e-9 <= y <= by + h + 1e-9
    edge = min(abs(x - bx), abs(x - bx - w), abs(y - by), abs(y - by - h)) < 1e-9
    return inside and edge


def test_label_layout_merges_close_plots_and_moves_a_label_that_would_cover_another():
    rng = np.random.default_rng(1)
    # Three clusters far apart (plots spread over the region) and some loners.
    anchors = np.concatenate([rng.normal((100, 100), 3, (4, 2)), rng.normal((100, 125), 1, (3, 2)),
                              rng.normal((400, 300), 2, (2, 2)), [(60, 60), (75, 60), (300, 50)]])
    labels = label_layout(anchors, list(range(1, 13)), height=13, within=(0, 0, 500, 400))
    assert [lab.text for lab in labels] == ["1 · 2 · 3 · 4", "5 · 6 · 7", "8 · 9", "10", "11",
                                            "12"]
    assert [lab.members for lab in labels][:3] == [(0, 1, 2, 3), (4, 5, 6), (7, 8)]
    # "11", 15 right of "10" (not close enough to share it), would cover it: moved aside.
    ten, eleven = labels[3].box, labels[4].box
    assert ten == (60 - 8, 60 - 6.5, 16, 13)                     # "10" stays centred
    assert eleven[0] != 75 - 8 and not overlapping(ten, eleven)
    # A shared label moved off the first label draws a leader from the plot it left out.
    one, shared = label_layout([(50, 50), (64, 52), (57, 64)], [1, 2, 3])
    assert shared.text == "2 · 3" and not overlapping(one.box, shared.box)
    (start, end), = shared.leaders
    assert start == (57.0, 64.0) and on_edge(end, shared.box)


def test_label_layout_never_overlaps_on_a_dense_map_and_draws_leaders_to_moved_labels():
    rng = np.random.default_rng(7)
    anchors = rng.uniform((150, 100), (250, 160), (40, 2))       # 40 plots on 100 x 60 points
    ranks = list(range(1, 41))
    scale_bar = (0, 280, 120, 20)
    labels = label_layout(anchors, ranks, height=13, char_width=5, within=(0, 0, 400, 300),
                          avoid=[scale_bar])
    assert sorted(i for lab in labels for i in lab.members) == list(range(40))
    assert sorted(int(r) for lab in labels for r in lab.text.split(" · ")) == ranks
    boxes = [lab.box for lab in labels]
    for i, a in enumerate(boxes):
        assert 0 <= a[0] and a[0] + a[2] <= 400 and 0 <= a[1] and a[1] + a[3] <= 300
        assert not overlapping(a, scale_bar)
        assert not any(overlapping(a, b) for b in boxes[i + 1:]), a
    moved = 0
    for lab in labels:
        x, y, w, h = lab.box
        outside = [tuple(anchors[i]) for i in lab.members
                   if not (x <= anchors[i][0] <= x + w and y <= anchors[i][1] <= y + h)]
        assert [a for a, _ in lab.leaders] == outside         # a leader per anchor left out
        assert all(on_edge(b, lab.box) for _, b in lab.leaders)
        moved += bool(lab.leaders)
    assert moved >= 3


def test_label_layout_rather_leaves_map_symbols_uncovered():
    symbol = (103.0, 101.0)
    centred, = label_layout([(100, 100)], [1], height=13)
    assert overlapping(centred.box, (*symbol, 0, 0))
    moved, = label_layout([(100, 100)], [1], height=13, clear=[symbol])
    x, y, w, h = moved.box
    assert not (x - 1 < symbol[0] < x + w + 1 and y - 1 < symbol[1] < y + h + 1)
    assert max(abs(x + w / 2 - 100), abs(y + h / 2 - 100)) <= 13        # still beside its plot


def test_label_layout_needs_a_rank_per_anchor():
    with pytest.raises(ValueError, match="3 anchors but 2 ranks"):
        label_layout([(0, 0), (1, 1), (2, 2)], [1, 2])


def svg_boxes(root, kind: str) -> list[tuple[float, float, float, float]]:
    return [tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
            for g in root.iter(f"{NS}g") if g.get("class") == kind for r in g.iter(f"{NS}rect")]


@pytest.mark.parametrize("path", foncier.sample_brief_paths(), ids=lambda p: p.stem)
def test_sample_report_maps_have_no_overlapping_labels(sample_inventory, path):
    res = foncier.match(sample_inventory, foncier.read_brief(path), on=DAY)
    content = report_content(res, top=10, today=DAY)
    root = ET.fromstring(map_svg(content, width=700, height=380))
    labels = svg_boxes(root, "rank")
    scale, = svg_boxes(root, "scale")
    assert len(labels) >= 2
    for i, a in enumerate(labels):
        assert 0 <= a[0] and a[0] + a[2] <= 700 and 0 <= a[1] and a[1] + a[3] <= 380
        assert not overlapping(a, scale)
        assert not any(overlapping(a, b) for b in labels[i + 1:]), a
    texts = [t.text for g in root.iter(f"{NS}g") if g.get("class") == "rank"
             for t in g.iter(f"{NS}text")]
    assert sorted(int(r) for t in texts for r in t.split(" · ")) == [p.rank for p in content.plots]
    dots = {(c.get("cx"), c.get("cy")) for c in root.iter(f"{NS}circle")
            if c.get("class") == "anchor"}
    for line in (x for x in root.iter(f"{NS}line") if x.get("class") == "leader"):
        assert (line.get("x1"), line.get("y1")) in dots           # from a plot's anchor...
        end = (float(line.get("x2")), float(line.get("y2")))
        assert any(_near_edge(end, b) for b in labels)           # ...to a label's edge


def _near_edge(point, box, tol: float = 0.06) -> bool:
    """On the box's edge, give or take the SVG's rounding to a tenth."""
    x, y = point
    bx, by, w, h = box
    return (bx - tol <= x <= bx + w + tol and by - tol <= y <= by + h + tol
            and min(abs(x - bx), abs(x - bx - w), abs(y - by), abs(y - by - h)) <= tol)


# ----------------------------------------------------------------------------- layout


def test_only_the_cli_app_module_imports_the_desktop_app():
    """The library reaches ``foncier_gui`` (hence Qt) through ``foncier.cli.app`` only."""
    import ast
    from pathlib import Path

    root = Path(foncier.__file__).parent
    importers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "foncier_gui" or n.startswith("foncier_gui.") for n in names):
                importers.add(path.relative_to(root).as_posix())
    assert importers == {"cli/app.py"}


@pytest.mark.parametrize("module", ["foncier.report", "foncier.report.content",
                                    "foncier.report.labels", "foncier.report.html",
                                    "foncier.cli.app", "foncier.cli.batch"])
def test_report_modules_examples_run(module):
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(module),
                                      optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


def test_html_report_colours_come_from_the_palette(result):
    from foncier import palette

    page = report_html(report_content(result, top=5, today=DAY))
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", page)}
    known = {v.lower() for k, v in vars(palette).items() if k.endswith("_HEX")
             and isinstance(v, str)}
    known |= {v.lower() for d in vars(palette).values() if isinstance(d, dict)
              for v in d.values() if isinstance(v, str)}
    assert colours and colours <= known
    assert re.findall(r"#[0-9a-fA-F]{3}\b", page) == []       # no short-hand colour left
    assert f'fill="{palette.STATUS_HEX["match"]}"' in page
