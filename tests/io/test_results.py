"""The result table written to every format and read back; no partial file on error."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest

from foncier import Brief, OutputError, match, write_results

BRIEF = Brief(name="Export", min_area_ha=3, excluded_constraints=["flood"],
              motorway_max_km=6, gas=True)
COLUMNS = ["rank", "plot_id", "site_id", "status", "score", "area_ha", "net_area_ha",
           "availability", "area", "gas", "motorway", "reasons", "completeness", "relax"]


@pytest.fixture
def result(tiny_inventory):
    return match(tiny_inventory, BRIEF)


def test_csv(tmp_path, result):
    path = write_results(result, tmp_path / "r.csv")
    back = pd.read_csv(path)
    assert back.columns.tolist() == COLUMNS
    assert back.plot_id.tolist() == result.table.plot_id.tolist()
    assert back.status.tolist() == result.table.status.tolist()
    assert back.net_area_ha.tolist() == pytest.approx([9.0, 2.5, 2.0])


@pytest.mark.parametrize("block", [1, 2, 3, 10**6])
def test_csv_of_a_result_is_written_a_block_of_rows_at_a_time(tmp_path, sample_inventory,
                                                               monkeypatch, block):
    """``write_results`` builds a CSV's rows a block at a time, never the whole table, and
    writes the bytes the whole table gives (blocks of 1, 2, 3 rows, and one block)."""
    from foncier import read_brief, sample_brief_paths
    from foncier.io import results
    from foncier.io.results import write_table

    monkeypatch.setattr(results, "CSV_BLOCK_ROWS", block)
    brief = read_brief(sample_brief_paths()[2])
    streamed = match(sample_inventory, brief)
    if block < 10**6:
        streamed.order = streamed.order[:7]         # 7 rows: a last block shorter than others
    write_results(streamed, tmp_path / "blocks.csv")
    assert streamed._table is None
    whole = match(sample_inventory, brief)
    table = whole.table if block == 10**6 else whole.table.head(7)
    write_table(table, tmp_path / "whole.csv")
    assert (tmp_path / "blocks.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()



@pytest.mark.parametrize(("resident", "released"), [(10**12, 4), (None, 4), (10**6, 0)])
def test_a_csv_gives_its_blocks_memory_back_only_when_the_process_is_large(
        tmp_path, sample_inventory, monkeypatch, resident, released):
    """Each written block's memory goes back to the system when the process holds more than
    ``_RELEASE_ABOVE`` (or cannot tell); below, Arrow's pool keeps it for the next block."""
    import pyarrow as pa

    from foncier import read_brief, sample_brief_paths
    from foncier.io import results, threads

    class Pool:
        calls = 0

        def release_unused(self):
            Pool.calls += 1

    monkeypatch.setattr(results, "CSV_BLOCK_ROWS", 3)
    monkeypatch.setattr(threads, "resident_bytes", lambda: resident)
    monkeypatch.setattr(pa, "default_memory_pool", Pool)
    result = match(sample_inventory, read_brief(sample_brief_paths()[2]))
    result.order = result.order[:7]     # 4 writes: the header, then 3 blocks of rows
    write_results(result, tmp_path / "r.csv")
    assert Pool.calls == released
    assert len((tmp_path / "r.csv").read_bytes().splitlines()) == 8

def test_csv_of_a_result_quotes_and_guards_its_reasons_like_a_table(tmp_path, hostile_zones):
    """A result's CSV formats each reason once, before the rows are joined: its bytes are
    the table's, whatever quotes, separators, line breaks and formulas the reasons carry."""
    from foncier.io.results import write_table

    write_results(hostile_zones, tmp_path / "streamed.csv")
    assert hostile_zones._table is None
    write_table(hostile_zones.table, tmp_path / "table.csv")
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "table.csv").read_bytes()
    assert b'""' in (tmp_path / "table.csv").read_bytes()          # a quote was doubled


@pytest.mark.parametrize("sep", [",", ";", " "])
@pytest.mark.parametrize("guard", [True, False])
def test_reason_cells_equal_the_joined_reasons_formatted_whole(sep, guard):
    """Quoting and guarding each distinct reason, then joining them, gives the fields that
    formatting each row's joined reasons gives (the separator itself may need quotes)."""
    import pyarrow as pa

    from foncier.io.columns import RowReasons
    from foncier.io.results import _reason_cells, _text_cells

    texts = np.array(["", "=1+1", 'dit "oui"', "a,b", "ligne\nsuite", "plain", "x;y", "-2",
                      "\rCR", "@a b"], dtype=object)
    rng = np.random.default_rng(0)
    groups = [(texts, rng.integers(0, len(texts), 400)) for _ in range(3)]
    groups.append((np.array(["", "seul"], dtype=object), np.zeros(400, dtype=np.int64)))
    reasons = RowReasons(groups, 400)
    joined = pd.Series(reasons.column(), dtype=object)
    got = _reason_cells(reasons, guard, sep).to_pylist()
    assert got == _text_cells(joined, guard, sep).to_pylist()
    assert RowReasons([], 3).column().tolist() == ["", "", ""]
    assert _reason_cells(RowReasons([], 3), guard, sep).to_pylist() == ["", "", ""]
    assert isinstance(_reason_cells(reasons, guard, sep), pa.Array)


def test_coded_cells_equal_each_column_formatted_alone():
    """Neighbouring verdict columns written as one field per combination of words: the same
    fields as each column formatted alone, also when the combinations overflow an int64 and
    are renumbered on the way."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from foncier.io.columns import CodedWords
    from foncier.io.results import _coded_cells, _csv_column

    rng = np.random.default_rng(1)
    words = ("pass", "fail", "a,b", '"q"', "=f")
    run = [CodedWords(words, rng.integers(0, len(words), 300)) for _ in range(40)]  # 5**40
    alone = [_csv_column(c, True, ",") for c in run]
    assert (_coded_cells(run, True, ",").to_pylist()
            == pc.binary_join_element_wise(*alone, pa.scalar(",", pa.large_string())).to_pylist())


def test_xlsx(tmp_path, result):
    path = write_results(result, tmp_path / "r.xlsx")
    back = pd.read_excel(path)
    assert back.columns.tolist() == COLUMNS
    assert back.reasons.fillna("").tolist() == result.table.reasons.tolist()
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref      # header, rank and plot_id


def test_gpkg(tmp_path, result):
    path = write_results(result, tmp_path / "r.gpkg")
    back = pyogrio.read_dataframe(path, layer="results")
    assert back.columns.tolist() == COLUMNS + ["geometry"]
    assert back.crs.to_epsg() == 2154
    assert back.geometry.area.round(0).tolist() == [90_000.0, 100_000.0, 20_000.0]


def test_geojson(tmp_path, result):
    path = write_results(result, tmp_path / "r.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [f["properties"]["plot_id"] for f in data["features"]] == ["P3", "P2", "P1"]
    assert list(data["features"][0]["properties"]) == COLUMNS
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4326


def test_unknown_suffix_writes_nothing(tmp_path, result):
    with pytest.raises(OutputError, match=r"format de sortie inconnu « \.txt » : choisissez "
                                          r"\.csv, \.xlsx, \.gpkg, \.geojson"):
        write_results(result, tmp_path / "r.txt")
    assert list(tmp_path.iterdir()) == []


def test_check_suffix_names_the_accepted_formats(tmp_path):
    from foncier.io.results import check_suffix

    assert check_suffix(tmp_path / "Terrains.GeoJSON") == ".geojson"
    with pytest.raises(OutputError, match=r"r\.ods: format de sortie inconnu « \.ods » : "
                                          r"choisissez \.csv, \.xlsx, \.gpkg, \.geojson\."):
        check_suffix(tmp_path / "r.ods")
    with pytest.raises(OutputError, match=r"inconnu « \(aucun\) »"):
        check_suffix("résultats")
    assert list(tmp_path.iterdir()) == []


def test_results_examples_run():
    import doctest

    import foncier.io.results

    failures, tried = doctest.testmod(foncier.io.results, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


HOSTILE = ['=HYPERLINK("http://x.example","clic")', "+33 1", "-2+3", "@SUM(A1)", "\tTAB",
           "\rCR", "a\rb", 'quote "q"', "sép,virgule", "ligne\nsuivante", "P\x01\x1f"]


@pytest.fixture
def hostile(tmp_path):
    """A match result whose plot ids are formulas, control characters, separators..."""
    import shapely
    from builders import make_layers

    from foncier import inventory_from_layers

    layers = make_layers([{"plot_id": pid, "geometry": shapely.box(i * 300, 0, i * 300 + 200,
                                                                     200)}
                          for i, pid in enumerate(HOSTILE)])
    inv = inventory_from_layers(layers)
    inv.location = None
    return match(inv, Brief(name="Hostile"))


@pytest.fixture
def hostile_zones():
    """A match result whose reasons quote hostile PLU zones (formulas, quotes, separators,
    line breaks)."""
    import shapely
    from builders import make_layers

    from foncier import inventory_from_layers

    layers = make_layers([{"plot_id": f"P{i}", "plu_zone": zone,
                           "geometry": shapely.box(i * 300, 0, i * 300 + 200, 200)}
                          for i, zone in enumerate(HOSTILE + [None, "UX"])])
    inv = inventory_from_layers(layers)
    inv.location = None
    return match(inv, Brief(name="Hostile", accepted_zones=("UX",), gas=True))


def test_csv_is_rfc4180_and_guards_formulas_but_not_numbers(tmp_path, hostile):
    import csv

    path = write_results(hostile, tmp_path / "r.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == len(HOSTILE) + 1                 # no row split by a CR or a LF
    header, body = rows[0], rows[1:]
    ids = {r[header.index("plot_id")] for r in body}
    guarded = {("'" + p if p[0] in "=+-@\t\r" else p) for p in HOSTILE}
    assert ids == guarded
    assert path.read_bytes().count(b"\r\n") >= len(HOSTILE) + 1
    scores = [float(r[header.index("score")]) for r in body]     # numbers: never prefixed
    assert scores == pytest.approx(hostile.table.score.tolist())
    frame = pd.DataFrame({"x": [-3.5, 2.0], "t": ["-3.5", "ok"]})
    from foncier.io.results import write_csv

    write_csv(frame, tmp_path / "n.csv")
    with (tmp_path / "n.csv").open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f)) == [["x", "t"], ["-3.5", "'-3.5"], ["2.0", "ok"]]


def _pandas_csv(frame, sep, guard):
    """The CSV the row-by-row writer wrote: ``guard_text`` per text cell, then ``to_csv``."""
    import csv

    from foncier.io.results import guard_text

    frame = frame.copy()
    for col in frame.columns:
        if guard and not (pd.api.types.is_numeric_dtype(frame[col])
                          or pd.api.types.is_datetime64_any_dtype(frame[col])):
            frame[col] = frame[col].map(guard_text)
    return frame.to_csv(index=False, sep=sep, quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n").encode("utf-8")


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("guard", [True, False])
@pytest.mark.parametrize("block", [None, 1000])
def test_vectorized_csv_writes_the_bytes_pandas_writes(tmp_path, monkeypatch, sep, guard, block):
    import numpy as np

    from foncier.io import results
    from foncier.io.results import write_csv

    if block:           # rows written in blocks of 1000: the same bytes
        monkeypatch.setattr(results, "CSV_BLOCK_ROWS", block)

    frames = [
        pd.DataFrame({
            "date": pd.to_datetime(["2026-01-01", None, "2026-02-03"]),
            "int64": pd.array([1, None, -3], dtype="Int64"), "mixed": [1.5, "=x", None],
            "text": ["a,b;c", None, 'il dit "oui"\n'], "bool": [True, False, True],
            "float": [np.nan, 2.0, 1e-7], "int": [1, 2, 3],
            "cat": pd.Categorical(["-x", "y", None]), "formula": ["@a", "\tb", "\rc"],
            "none": [None, None, None], "accents": ["é;", "ü", ""],
            "str": pd.Series(["+1", None, "ok"], dtype="str"),
            'quote"d, header': ["x", "x", "=x"]}),
        pd.DataFrame({"lone": ["", "a", None]}),          # a lone empty field is written ""
        pd.DataFrame({"x": [1.0], "y": ["a"]}).iloc[:0],  # the header alone
        # Beyond the writer's sample: nearly unique text (formatted cell by cell) beside few
        # distinct values (formatted once each), both with formulas and separators.
        pd.DataFrame({
            "unique": [f"=r{i}, x" if i % 97 == 0 else f"r{i};\"q\"" for i in range(5000)],
            "few": ["-a" if i % 3 == 0 else ("b,c" if i % 3 == 1 else None)
                    for i in range(5000)],
            "late": ["ok"] * 4000 + [f"@{i}" for i in range(1000)]}),
    ]
    for i, frame in enumerate(frames):
        out = tmp_path / f"{i}.csv"
        write_csv(frame, out, sep=sep, guard=guard)
        assert out.read_bytes() == _pandas_csv(frame, sep, guard), frame.columns.tolist()


def test_xlsx_text_is_always_a_string_cell(tmp_path, hostile):
    from openpyxl import load_workbook

    path = write_results(hostile, tmp_path / "r.xlsx")
    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    col = header.index("plot_id")
    cells = [row[col] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)
    values = {c.value for c in cells}
    assert '=HYPERLINK("http://x.example","clic")' in values and "@SUM(A1)" in values
    assert "P_x0001__x001F_" in values and "a_x000D_b" in values     # escaped per ECMA-376
    score = header.index("score")
    assert all(row[score].data_type == "n" for row in ws.iter_rows(min_row=2))


def test_batch_xlsx_text_is_always_a_string_cell(tmp_path, hostile):
    from openpyxl import load_workbook

    from foncier.analysis.batch import run_batch, write_batch

    path = write_batch(run_batch([hostile.inventory], [Brief(name="Lot")]), tmp_path / "l.xlsx")
    wb = load_workbook(path)
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "s"}
    assert '=HYPERLINK("http://x.example","clic")' in texts


def test_match_to_xlsx_with_a_control_character_in_an_id(tmp_path, hostile):
    from foncier.io.store import write_layers

    inv = tmp_path / "inv.gpkg"
    write_layers(hostile.inventory.layers(), inv)
    brief = tmp_path / "b.toml"
    brief.write_text('name = "B"\n', encoding="utf-8")
    from foncier.cli.main import main

    assert main(["match", "--project", str(brief), "--inventory", str(inv), "--out",
                 str(tmp_path / "r.xlsx"), "--limit", "1"]) == 0
    back = pd.read_excel(tmp_path / "r.xlsx")
    assert len(back) == len(HOSTILE)


def test_prefetched_gives_every_item_in_order_while_the_next_is_made():
    import threading

    from foncier.io.results import prefetched

    made = []
    consumer = threading.get_ident()

    def items():
        for i in range(5):
            made.append(threading.get_ident())
            yield i

    assert list(prefetched(items())) == [0, 1, 2, 3, 4]
    assert len(made) == 5 and consumer not in made          # made by the worker thread


def test_prefetched_raises_the_makers_error_in_its_place():
    from foncier.io.results import prefetched

    def items():
        yield 1
        yield 2
        raise ValueError("bloc 3 illisible")

    got = []
    with pytest.raises(ValueError, match="bloc 3 illisible"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]


def test_prefetched_stops_and_closes_the_items_when_the_loop_stops_early():
    from foncier.io.results import prefetched

    made, closed = [], []

    def items():
        try:
            for i in range(1000):
                made.append(i)
                yield i
        finally:
            closed.append(True)

    stream = prefetched(items(), ahead=2)
    assert next(stream) == 0
    stream.close()                      # joins the worker before returning
    assert closed == [True]
    assert len(made) <= 4               # the item taken, two ahead, the one under way


def test_an_error_while_building_csv_rows_leaves_no_file(tmp_path, sample_inventory,
                                                          monkeypatch):
    from foncier import read_brief, sample_brief_paths
    from foncier.io import results

    monkeypatch.setattr(results, "CSV_BLOCK_ROWS", 2)
    streamed = match(sample_inventory, read_brief(sample_brief_paths()[2]))
    calls = []
    rows = streamed.row_columns

    def failing_rows(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("plus de mémoire au bloc 3")
        return rows(*args, **kwargs)

    monkeypatch.setattr(streamed, "row_columns", failing_rows)
    with pytest.raises(MemoryError, match="bloc 3"):
        write_results(streamed, tmp_path / "r.csv")
    assert list(tmp_path.iterdir()) == []


def test_float_cells_are_written_as_pandas_writes_them(tmp_path, monkeypatch):
    """Floats in a CSV read as pandas writes them (Python's repr): rounded areas through the
    integer path, the rest (tiny, huge, not rounded, float32, NaN, infinities) as repr."""
    from foncier.io import results

    rng = np.random.default_rng(3)
    n = 20_000
    base = rng.random(n) * 10.0 ** rng.integers(-6, 13, n) * np.where(rng.random(n) < .2, -1, 1)
    rounded = np.array([round(x, int(d)) for x, d in zip(base, rng.integers(0, 7, n),
                                                         strict=True)])
    special = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e16, 9.99999e10, 1e11, 1e-4, 5e-5,
                        123.0, -5.5, 2.5e-4, 0.1 + 0.2])
    values = np.concatenate([rounded, base[:2000], special])
    expected = values.astype(str)
    expected[np.isnan(values)] = ""
    assert results.float_texts(values).to_pylist() == expected.tolist()
    frame = pd.DataFrame({"a": values, "b": values.astype(np.float32),
                          "c": np.resize([0.5, 1.0, np.nan, 2.25], len(values))})
    monkeypatch.setattr(results, "CSV_BLOCK_ROWS", 5_000)     # blocks: the vectorized writer
    results.write_csv(frame, tmp_path / "f.csv")
    assert (tmp_path / "f.csv").read_bytes() == frame.to_csv(
        index=False, lineterminator="\r\n").encode()
