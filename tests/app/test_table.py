"""The results table model (gui.table) and the worker's pure function (gui.model)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from builders import make_layers
from foncier_gui.model import plot_index_from_inventory, view_from_match
from foncier_gui.table import COLUMNS, ResultsModel
from PySide6.QtCore import Qt

import foncier

COL = {k: i for i, (k, _) in enumerate(COLUMNS)}


@pytest.fixture
def inventory():
    layers = make_layers(plots=[
        {"plot_id": "A", "geometry": shapely.box(0, 0, 100, 100), "price_eur_m2": 30.0},
        {"plot_id": "B", "geometry": shapely.box(200, 0, 400, 100), "price_eur_m2": None},
        {"plot_id": "C", "geometry": shapely.box(500, 0, 550, 100), "price_eur_m2": 10.0},
        {"plot_id": "D", "geometry": shapely.box(600, 0, 900, 300), "sales_stage": "vendu, "
         "commercialisation achevée", "price_eur_m2": 5.0},
    ])
    return foncier.inventory_from_layers(layers)


def test_view_columns_follow_the_library_ranking(inventory):
    brief = foncier.Brief(name="x", min_area_ha=0.8, max_price_eur_m2=20)
    index = plot_index_from_inventory(inventory)
    view = view_from_match(index, brief, 7)
    table = foncier.match(inventory, brief).table
    assert view.generation == 7
    assert view.columns["plot_id"].tolist() == table["plot_id"].tolist()
    assert view.columns["zone"].tolist() == ["ZAE test"] * 4
    assert view.reasons_of(view.columns["position"]) == table["reasons"].tolist()


def test_sorting_by_a_column_and_back_by_rank(qtbot, inventory):
    brief = foncier.Brief(name="x", min_area_ha=0.8, max_price_eur_m2=20)
    view = view_from_match(plot_index_from_inventory(inventory), brief, 1)
    model = ResultsModel()
    model.set_view(view)

    def column(key):
        return [model.data(model.index(r, COL[key])) for r in range(model.rowCount())]

    ranked = column("plot_id")
    model.sort(COL["price"], Qt.SortOrder.AscendingOrder)
    assert column("price") == ["5,00", "10,00", "30,00", "—"]  # unknown last, 2 decimals
    model.sort(COL["price"], Qt.SortOrder.DescendingOrder)
    assert column("price") == ["30,00", "10,00", "5,00", "—"]
    model.sort(COL["rank"], Qt.SortOrder.AscendingOrder)
    assert column("plot_id") == ranked
    for r in range(model.rowCount()):
        pos = model.position_of_row(r)
        assert model.row_of_position(pos) == r
        assert model.data(model.index(r, COL["plot_id"])) == view.columns["plot_id"][
            int(np.flatnonzero(view.columns["position"] == pos)[0])]


def test_a_new_result_keeps_the_sort_column(qtbot, inventory):
    index = plot_index_from_inventory(inventory)
    model = ResultsModel()
    model.set_view(view_from_match(index, foncier.Brief(name="x"), 1))
    model.sort(COL["net_area_ha"], Qt.SortOrder.DescendingOrder)
    model.set_view(view_from_match(index, foncier.Brief(name="y", min_area_ha=1), 2))
    areas = [float(model.data(model.index(r, COL["net_area_ha"])).replace(",", "."))
             for r in range(model.rowCount())]
    assert areas == sorted(areas, reverse=True)


def test_picking_uses_the_plot_geometry(inventory):
    index = plot_index_from_inventory(inventory)
    assert index.pick(50, 50) == 0
    assert index.pick(150, 50) is None
    assert index.pick(150, 50, tolerance_m=60) in (0, 1)
    assert index.pick(420, 50, tolerance_m=30) == 1


def test_constraint_groups_match_the_library_without_computing_geometry(sample_inventory,
                                                                        tiny_inventory):
    from foncier_gui.model import constraint_groups

    for inv in (sample_inventory, tiny_inventory):
        assert constraint_groups(inv.constraints) == inv.geometry.groups


def test_view_lists_assemblies_ranked_with_the_plots(qtbot):
    from foncier.analysis.assembly import assemble

    layers = make_layers(plots=[
        {"plot_id": "A", "geometry": shapely.box(0, 0, 100, 100), "price_eur_m2": 30.0},
        {"plot_id": "B", "geometry": shapely.box(100, 0, 200, 100), "price_eur_m2": 12.0},
        {"plot_id": "C", "geometry": shapely.box(0, 500, 150, 700), "price_eur_m2": 8.0},
    ])
    inventory = foncier.inventory_from_layers(layers)
    brief = foncier.Brief(name="x", min_area_ha=2, allow_assembly=True)
    index = plot_index_from_inventory(inventory)
    view = view_from_match(index, brief, 1)
    expected = assemble(foncier.match(inventory, brief))
    assert view.columns["plot_id"].tolist() == expected["plot_id"].tolist()
    assert view.n_assemblies == 1
    row = view.columns["plot_id"].tolist().index("A+B")
    position = int(view.columns["position"][row])
    assert position == 3 and view.is_assembly(position)
    assert view.members_of(position).tolist() == [0, 1]
    assert view.columns["price"][row] == 30.0                # the members' weakest price
    assert view.reasons_of([position]) == [expected.loc[row, "reasons"]]
    model = ResultsModel()
    model.set_view(view)
    assert model.row_of_position(position) == row
    assert model.data(model.index(row, COL["zone"])) == "Assemblage — ZAE test"
    # Without allow_assembly: plots only.
    plain = view_from_match(index, brief.replace(allow_assembly=False), 2)
    assert plain.n_assemblies == 0 and len(plain.columns["plot_id"]) == 3
