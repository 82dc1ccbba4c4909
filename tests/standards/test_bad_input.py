"""Bad input to the standards' readers: refused with a FoncierError naming line and field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from builders import make_layers
from hypothesis import example, given
from hypothesis import strategies as st

from foncier import write_inventory
from foncier.cli import main
from foncier.errors import CnigError, FoncierError, FricheError, LayerError
from foncier.standards.checks import implausible
from foncier.standards.cnig import import_cnig, read_cnig_csv, validate_cnig
from foncier.standards.friches import plots_from_friches, read_friches
from foncier.standards.public_layers import add_layer, read_vector

DATA = Path(__file__).parents[1] / "data"
TERRAIN = (DATA / "cnig" / "terrain-eco.csv").read_text(encoding="utf-8")
FRICHES = (DATA / "friches" / "friches_normandie.csv").read_text(encoding="utf-8")
HEADER = TERRAIN.splitlines()[0]
FRICHE_HEADER = "site_id;site_nom;unite_fonciere_surface;geompoint;geomsurf"


def _polygon(coords) -> str:
    pts = ",".join(f"[{x},{y}]" for x, y in coords)
    return f'"{{""type"": ""Polygon"", ""coordinates"": [[{pts}]]}}"'


def _terrain(tmp_path, geom: str, *, terr_id="T1", price="12") -> Path:
    row = (f"{terr_id};S1;80024000ZO0030;1.5;oui;2023-08-29;2023-08-29;commune;"
           f"viabilisé et aménagé;en vente;inoccupé;inconnu;;{geom};non;;;;{price}")
    path = tmp_path / "terrain-eco.csv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    return path


SQUARE = [(650000, 6860000), (650100, 6860000), (650100, 6860100), (650000, 6860000)]


@pytest.mark.parametrize("corner", ["NaN", "Infinity", "1e308", "2e308"])
def test_impossible_cnig_coordinates_are_refused_naming_the_line(tmp_path, corner):
    coords = [*SQUARE[:2], (corner, corner), SQUARE[3]]
    with pytest.raises(CnigError, match=r"terr_geomsurf\[ligne 2\]: coordonnées"):
        read_cnig_csv(_terrain(tmp_path, _polygon(coords)))


def test_wgs84_polygon_in_a_lambert93_file_is_refused(tmp_path):
    good = (f"T1;S1;80024000ZO0030;1.5;oui;2023-08-29;2023-08-29;commune;viabilisé et aménagé;"
            f"en vente;inoccupé;inconnu;;{_polygon(SQUARE)};non;;;;12")
    wgs = [(2.35, 48.85), (2.36, 48.85), (2.36, 48.86), (2.35, 48.85)]
    bad = good.replace(_polygon(SQUARE), _polygon(wgs)).replace("T1", "T2", 1)
    path = tmp_path / "terrain-eco.csv"
    path.write_text(f"{HEADER}\n{good}\n{bad}\n", encoding="utf-8")
    with pytest.raises(CnigError, match=r"terr_geomsurf\[ligne 3\].*en degrés.*Lambert-93"):
        read_cnig_csv(path)


def test_infinite_price_is_refused_naming_table_line_and_field(tmp_path):
    with pytest.raises(CnigError, match=r"terrain-eco\.terr_m2_prix\[ligne 2\]: « 1e999 » "
                                        r"n'est pas un nombre fini"):
        read_cnig_csv(_terrain(tmp_path, _polygon(SQUARE), price="1e999"))


def test_nul_in_an_id_is_refused_naming_the_line(tmp_path):
    with pytest.raises(CnigError, match=r"terrain-eco\.terr_id\[ligne 2\]: caractère NUL"):
        read_cnig_csv(_terrain(tmp_path, _polygon(SQUARE), terr_id="T\x001"))


def test_a_12000_vertex_polygon_is_read(tmp_path):
    ring = shapely.Point(650000, 6860000).buffer(500, quad_segs=3000).exterior.coords
    assert len(ring) > 12_000
    table, frame, _ = read_cnig_csv(_terrain(tmp_path, _polygon(list(ring))))
    assert shapely.get_num_coordinates(frame.geometry.iloc[0]) == len(ring)


def test_duplicated_header_column_is_refused(tmp_path):
    path = tmp_path / "terrain-eco.csv"
    path.write_text(HEADER + ";terr_id\n" + TERRAIN.splitlines()[1] + ";X\n", encoding="utf-8")
    with pytest.raises(CnigError, match=r"terr_id en double dans l'en-tête"):
        read_cnig_csv(path)


def test_validate_flags_points_and_reports_everything_at_once(tmp_path):
    point = '"{""type"": ""Point"", ""coordinates"": [650000, 6860000]}"'
    found = {(p.where, p.row) for p in validate_cnig(_terrain(tmp_path, point))}
    assert ("terrain-eco.csv: terrain-eco.terr_geomsurf", "ligne 2") in found
    site = tmp_path / "site-eco.csv"
    shutil.copy(DATA / "cnig" / "site-eco.csv", site)
    problems = validate_cnig(site)                  # no repair: the split value and the rest
    where = {p.where for p in problems if p.severity == "error"}
    assert {"site-eco.csv: site-eco.site_vocadomi", "site-eco.site_moa_type",
            "site-eco.site_evol_urba"} <= where


def test_import_of_terrains_without_sites_is_refused(tmp_path, capsys):
    folder = tmp_path / "cnig"
    folder.mkdir()
    shutil.copy(DATA / "cnig" / "terrain-eco.csv", folder / "terrain-eco.csv")
    with pytest.raises(CnigError, match=r"TERRAIN-ECO\) sans leurs sites \(SITE-ECO\)"):
        import_cnig(folder, tmp_path / "inv.gpkg")
    assert main(["import-cnig", str(folder), "--out", str(tmp_path / "inv.gpkg")]) == 1
    assert "SITE-ECO" in capsys.readouterr().err
    assert not (tmp_path / "inv.gpkg").exists()


def test_messages_have_no_empty_location_nor_path_twice(tmp_path, capsys):
    missing = tmp_path / "absent.csv"
    assert main(["validate-cnig", str(missing)]) == 1
    out = capsys.readouterr().out
    assert out.count("absent.csv") == 2 and ": :" not in out    # name, then the full path once
    assert main(["import-friches", str(tmp_path), "--into", str(tmp_path / "x.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "dossier" in err and "erreur : :" not in err


def test_huge_values_are_cut_in_messages(tmp_path):
    problems = validate_cnig(_terrain(tmp_path, _polygon(SQUARE), price="9" * 5000 + "x"))
    said = [p.message for p in problems if p.where.endswith("terr_m2_prix")][0]
    assert "…" in said and len(said) < 200


def test_cli_rewrites_parameters_as_options(tmp_path, capsys):
    site = tmp_path / "site-eco.csv"
    shutil.copy(DATA / "cnig" / "site-eco.csv", site)
    with pytest.raises(CnigError, match=r"paramètre `repair=True`"):
        read_cnig_csv(site)
    assert main(["import-cnig", str(site), "--out", str(tmp_path / "i.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "l'option --repair" in err and "repair=True" not in err


# ------------------------------------------------------------------ friches


def _friches(tmp_path, text: str) -> Path:
    path = tmp_path / "friches.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_infinite_friche_surface_is_refused(tmp_path):
    path = _friches(tmp_path, f"{FRICHE_HEADER}\nF1;a;inf;POINT (-1.45 48.97);NA\n")
    with pytest.raises(FricheError, match=r"unite_fonciere_surface\[ligne 2\]: « inf »"):
        plots_from_friches(read_friches(path))


@pytest.mark.parametrize("point", ["POINT (nan 48)", "POINT (1e308 1e308)", "POINT (inf 1)"])
def test_impossible_friche_coordinates_are_refused(tmp_path, point):
    path = _friches(tmp_path, f"{FRICHE_HEADER}\nF1;a;100;{point};NA\n")
    with pytest.raises(FricheError, match=r"geompoint\[ligne 2\]: coordonnées"):
        plots_from_friches(read_friches(path))


@pytest.mark.parametrize(("text", "match"), [
    (f"{FRICHE_HEADER}\nF1;a;100;POINT (-1.45 48.97);NA;en trop\nF2;b;100;POINT (0 49);NA\n",
     r"\[ligne 2\]: 6 valeurs pour 5 colonnes"),
    (f'{FRICHE_HEADER}\nF1;"a;100;POINT (-1.45 48.97);NA\nF2;b;100;POINT (0 49);NA\n',
     r"\[ligne \d\]: CSV illisible"),
    ("", "fichier vide"),
])
def test_inconsistent_friches_files_are_refused_naming_the_line(tmp_path, text, match):
    with pytest.raises(FricheError, match=match):
        read_friches(_friches(tmp_path, text))


def test_friches_folder_is_refused(tmp_path):
    with pytest.raises(FricheError, match="c'est un dossier"):
        read_friches(tmp_path)


# ------------------------------------------------------------------ add-layer levels


def test_unknown_level_is_refused_for_flood(tmp_path, capsys):
    inv = tmp_path / "inv.gpkg"
    write_inventory(make_layers(plots=[{"plot_id": "P1", "geometry": shapely.box(0, 0, 9, 9)}]),
                    inv)
    path = tmp_path / "ppri.gpkg"
    gpd.GeoDataFrame({"niv": ["fort"]}, geometry=[shapely.box(0, 0, 5, 5)],
                     crs="EPSG:2154").to_file(path)
    with pytest.raises(LayerError, match="niveau « moyen » inconnu pour flood.*`level=`"):
        add_layer(inv, kind="flood", source=path, mapping="none", level="moyen")
    with pytest.raises(LayerError, match=r"ppri\.gpkg\.niv\[entité 1\]: niveau « fort »"):
        add_layer(inv, kind="flood", source=path, mapping="none", level_field="niv")
    assert main(["add-layer", str(inv), "--kind", "pprt", "--from", str(path), "--mapping",
                 "none", "--level", "moyen"]) == 1
    assert "(option --level)" in capsys.readouterr().err


# ------------------------------------------------------------------ property tests

_MUTATION = st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=40),
                      st.sampled_from(["", ";", '"', "\n", "\x00", "NaN", "1e999", "1e308",
                                       "-", ",", "{", "]", "é", "\r"]))


def _mutate(text: str, edits) -> str:
    for pos, cut, insert in edits:
        pos %= max(len(text), 1)
        text = text[:pos] + insert + text[pos + cut:]
    return text


@given(edits=st.lists(_MUTATION, min_size=1, max_size=4))
@example(edits=[(606, 0, ";")])          # type « ;Polygon »: shapely GeometryTypeError
def test_cnig_reader_on_mutated_files_gives_a_result_or_a_foncier_error(tmp_path, edits):
    path = tmp_path / "terrain-eco.csv"
    path.write_text(_mutate(TERRAIN, edits), encoding="utf-8")
    try:
        read_cnig_csv(path)
    except FoncierError:
        pass
    problems = validate_cnig(path)
    assert all(p.where for p in problems)


@given(edits=st.lists(_MUTATION, min_size=1, max_size=4))
@example(edits=[(8, 0, "1e999"), (147049398, 0, "1e999")])    # overflow warning in from_wkt
def test_friches_reader_on_mutated_files_gives_a_result_or_a_foncier_error(tmp_path, edits):
    head = "\n".join(FRICHES.splitlines()[:6]) + "\n"
    path = tmp_path / "friches.csv"
    path.write_text(_mutate(head, edits), encoding="utf-8")
    try:
        plots_from_friches(read_friches(path))
    except FoncierError:
        pass


# ------------------------------------------------------------------ public layers (read_vector)

_LAYER = gpd.GeoDataFrame({"idzone": ["Z1", "Z2"], "typereglement": ["03", "02"],
                           "nom": ["rouge", "bleue"]},
                          geometry=[shapely.box(650000, 6860000, 650100, 6860100),
                                    shapely.Point(650200, 6860200).buffer(50, quad_segs=2)],
                          crs="EPSG:2154")
_GEOJSON = _LAYER.to_crs("EPSG:4326").to_json(drop_id=True)


@pytest.fixture(scope="module")
def small_gpkg(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("layer") / "ppr.gpkg"
    _LAYER.to_file(path)
    return path


_BYTES = st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=64),
                   st.binary(max_size=8) | st.sampled_from(
                       [b"", b"\x00", b"\xff" * 4, b"1e999", b"NaN", b"-", b'"', b"{", b"]",
                        b"null", b"\xc3", b"Polygon", b"Point", b"EPSG:4326"]))


def _mutate_bytes(data: bytes, edits) -> bytes:
    for pos, cut, insert in edits:
        pos %= max(len(data), 1)
        data = data[:pos] + insert + data[pos + cut:]
    return data


def _vector_or_error(path: Path) -> None:
    try:
        frame, notes = read_vector(path)
    except FoncierError as exc:
        assert exc.problems and all(p.where for p in exc.problems)
        return
    assert isinstance(frame, gpd.GeoDataFrame) and frame.crs.to_epsg() == 2154
    assert not implausible(frame.geometry.to_numpy(), lambert93=False).any()


@given(edits=st.lists(_MUTATION, min_size=1, max_size=4))
def test_read_vector_on_mutated_geojson_gives_a_layer_or_a_foncier_error(tmp_path, edits):
    path = tmp_path / "ppr.geojson"
    path.write_text(_mutate(_GEOJSON, edits), encoding="utf-8")
    _vector_or_error(path)


@given(edits=st.lists(_BYTES, min_size=1, max_size=4))
def test_read_vector_on_corrupted_geopackages_gives_a_layer_or_a_foncier_error(
        tmp_path, small_gpkg, edits):
    path = tmp_path / "ppr.gpkg"
    path.write_bytes(_mutate_bytes(small_gpkg.read_bytes(), edits))
    _vector_or_error(path)


def _gpkg_blob(geom) -> bytes:
    """A GeoPackage geometry blob: header (magic, version, flags: little-endian, no envelope,
    srs 2154) then WKB."""
    return b"GP\x00\x01" + (2154).to_bytes(4, "little") + shapely.to_wkb(geom)


_SQL_EDITS = st.one_of(
    st.tuples(st.just('UPDATE ppr SET geom = ? WHERE fid = ?'), st.one_of(
        st.binary(max_size=64), st.none(), st.text(max_size=8), st.integers(-2**63, 2**63 - 1),
        st.builds(lambda x, y: _gpkg_blob(shapely.Point(x, y)), st.floats(), st.floats()),
        st.builds(lambda b, cut: _gpkg_blob(shapely.box(650000, 6860000, 650100, 6860100))[:cut]
                  + b, st.binary(max_size=8), st.integers(0, 120))), st.integers(1, 2)),
    st.tuples(st.just('UPDATE ppr SET nom = ? WHERE fid = ?'),
              st.binary(max_size=16) | st.integers(-2**63, 2**63 - 1) | st.floats()
              | st.text(max_size=20),
              st.integers(1, 2)),
    st.tuples(st.just("UPDATE gpkg_geometry_columns SET srs_id = ? WHERE table_name = 'ppr' "
                      "AND ? > 0"), st.integers(-2, 10**6) | st.sampled_from([0, 4326, 3857]),
              st.just(1)),
    st.tuples(st.just("UPDATE gpkg_geometry_columns SET geometry_type_name = ? WHERE ? > 0"),
              st.sampled_from(["POINT", "GEOMETRY", "CURVEPOLYGON", "TIN", "", "x"]), st.just(1)),
)


@given(edits=st.lists(_SQL_EDITS, min_size=1, max_size=3))
@example(edits=[("UPDATE ppr SET geom = ? WHERE fid = ?", b"GP", 1)])
@example(edits=[("UPDATE gpkg_geometry_columns SET srs_id = ? WHERE table_name = 'ppr' "
                 "AND ? > 0", -1, 1)])                  # undefined CRS: ProjError
def test_read_vector_on_geopackages_with_corrupted_rows_gives_a_layer_or_a_foncier_error(
        tmp_path, small_gpkg, edits):
    import sqlite3

    path = tmp_path / "ppr.gpkg"
    path.write_bytes(small_gpkg.read_bytes())
    con = sqlite3.connect(path)
    for fn in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):   # R-tree triggers
        con.create_function(fn, 1, lambda g: 0)
    for sql, value, fid in edits:
        con.execute(sql, (value, fid))
    con.commit()
    con.close()
    _vector_or_error(path)


def test_gdal_warnings_become_notes_not_raw_warnings(tmp_path, small_gpkg):
    data = bytearray(small_gpkg.read_bytes())
    data[68:72] = b"\x00" * 4                          # SQLite header: GeoPackage application_id
    path = tmp_path / "ppr.gpkg"
    path.write_bytes(bytes(data))
    frame, notes = read_vector(path)                  # pytest turns any raw warning into an error
    assert len(frame) == 2
    assert any(n.severity == "warning" and re.search(r"signalé à la lecture : « .*application_id",
                                                     n.message) for n in notes)


def test_columns_differing_only_by_case_are_refused(tmp_path):
    path = tmp_path / "z.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                    '{"NOM": "a", "nom": "b"}, "geometry": {"type": "Point", "coordinates": '
                    '[2.35, 48.85]}}]}', encoding="utf-8")
    with pytest.raises(LayerError, match=r"z\.geojson: colonne\(s\) nom en double"):
        read_vector(path)


def test_friche_surface_larger_than_france_is_refused(tmp_path):
    path = _friches(tmp_path, f"{FRICHE_HEADER}\nF1;a;1e300;POINT (-1.45 48.97);NA\n")
    with pytest.raises(FricheError, match=r"unite_fonciere_surface\[ligne 2\]: « 1e300 » n'est "
                                          r"pas une surface possible"):
        plots_from_friches(read_friches(path))
