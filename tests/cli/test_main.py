"""The command line: match, validate, sample; errors on stderr without traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import foncier
from foncier import sample_brief_paths, write_inventory
from foncier.cli import main


def run(*args):
    """Run the real ``foncier`` command in a subprocess."""
    return subprocess.run([sys.executable, "-m", "foncier.cli", *args], capture_output=True,
                          text=True, timeout=120)


def brief(tmp_path, text):
    path = tmp_path / "b.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_match_on_the_sample_prints_a_ranked_table():
    proc = run("match", "--project", str(sample_brief_paths()[0]), "--limit", "5")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    name = foncier.read_brief(sample_brief_paths()[0]).name       # « Projet Bocage - … »
    assert lines[0].startswith(f"{name} — 329 terrains : ") and "compatible" in lines[0]
    assert lines[2].split() == ["rang", "terrain", "zone", "statut", "score", "surf.", "nette",
                                "motif"]
    assert lines[4].split()[0] == "1"
    assert any("autres terrains" in line for line in lines)
    assert "Presque compatibles" in proc.stdout and "Entonnoir" in proc.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg", ".geojson"])
def test_match_out_writes_the_whole_table(tmp_path, suffix, capsys):
    out = tmp_path / f"res{suffix}"
    code = main(["match", "--project", str(sample_brief_paths()[-1]), "--out", str(out)])
    assert code == 0
    assert out.exists()
    layer = None if suffix == ".geojson" else "results"
    frame = pd.read_csv(out) if suffix == ".csv" else (
        pd.read_excel(out) if suffix == ".xlsx" else
        __import__("pyogrio").read_dataframe(out, layer=layer))
    assert len(frame) >= 300
    assert frame.columns[:7].tolist() == ["rank", "plot_id", "site_id", "status", "score",
                                          "area_ha", "net_area_ha"]
    assert "reasons" in frame.columns
    assert "écrit dans" in capsys.readouterr().out


def test_bad_brief_exits_nonzero_without_traceback(tmp_path):
    proc = run("match", "--project", str(brief(tmp_path, 'name = "x"\n[land]\nmin_area_ha = -3\n'
                                                         '[access]\nport_max_km = "loin"\n')))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "land.min_area_ha: -3 est négatif" in proc.stderr
    assert "access.port_max_km: « loin » n'est pas un nombre" in proc.stderr
    assert proc.stdout == ""


def test_invalid_toml_and_missing_inventory(tmp_path):
    proc = run("match", "--project", str(brief(tmp_path, "name = \n")))
    assert proc.returncode == 1 and "TOML invalide" in proc.stderr
    assert "Traceback" not in proc.stderr
    ok = brief(tmp_path, 'name = "x"\n')
    proc = run("match", "--project", str(ok), "--inventory", str(tmp_path / "absent.gpkg"))
    assert proc.returncode == 1 and "fichier introuvable" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_inventory_is_reported(tmp_path, tiny_layers):
    tiny_layers["plots"].loc[1, "plot_id"] = "P1"
    path = tmp_path / "inv.gpkg"
    write_inventory(tiny_layers, path)
    ok = brief(tmp_path, 'name = "x"\n')
    proc = run("match", "--project", str(ok), "--inventory", str(path))
    assert proc.returncode == 1
    assert "plots[P1]: plot_id « P1 » en double (2 entités)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_out_with_unknown_format_or_folder_writes_nothing(tmp_path):
    ok = brief(tmp_path, 'name = "x"\n')
    proc = run("match", "--project", str(ok), "--out", str(tmp_path / "r.pdf"))
    assert proc.returncode == 1 and "format de sortie inconnu" in proc.stderr
    proc = run("match", "--project", str(ok), "--out", str(tmp_path / "no" / "r.csv"))
    assert proc.returncode == 1 and "dossier introuvable" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.toml"]


def test_validate_exit_codes(tmp_path, tiny_layers, capsys):
    clean = tmp_path / "clean.gpkg"
    write_inventory(tiny_layers, clean)
    assert main(["validate", str(clean)]) == 0
    assert "inventaire valide" in capsys.readouterr().out
    tiny_layers["plots"].loc[0, "sales_stage"] = "bradé"
    tiny_layers["plots"]["declared_area_ha"] = [9.0, None, None]
    bad = tmp_path / "bad.gpkg"
    write_inventory(tiny_layers, bad)
    assert main(["validate", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "plots[P1] (avertissement): sales_stage = « bradé »" in out
    assert "plots[P1] (avertissement): surface déclarée 9.00 ha" in out
    assert "0 erreur(s), 2 avertissement(s)" in err


def test_validate_no_crs_gives_error(tmp_path, tiny_layers):
    path = tmp_path / "nocrs.gpkg"
    tiny_layers["sites"] = tiny_layers["sites"].set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match=r"'crs' was not provided"):
        write_inventory(tiny_layers, path)
    proc = run("validate", str(path))
    assert proc.returncode == 1
    assert "sites: aucun système de coordonnées (CRS)" in proc.stdout


def test_sample_lists_inventory_and_briefs(capsys):
    assert main(["sample"]) == 0
    out = capsys.readouterr().out
    assert "normandie.gpkg" in out
    assert out.count(".toml") >= 5


def test_match_lists_assemblies_when_the_brief_allows_them(tmp_path, capsys):
    text = ('name = "Hub"\n[land]\nmin_area_ha = 5.0\nallow_assembly = true\n'
            'assembly_max_gap_m = 15.0\n')
    out = tmp_path / "res.csv"
    assert main(["match", "--project", str(brief(tmp_path, text)), "--out", str(out)]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "assemblages de terrains voisins" in head
    frame = pd.read_csv(out, keep_default_na=False)
    assert frame.columns[-1] == "assembly"
    combined = frame[frame.assembly != ""]
    assert len(combined) > 0
    for _, row in combined.iterrows():
        assert row.plot_id == row.assembly.replace("|", "+")
        assert row.net_area_ha >= 5.0
    assert frame["rank"].tolist() == list(range(1, len(frame) + 1))


def test_warnings_print_as_one_french_line_and_plots_outside_zones_say_so(tmp_path):
    """A repaired geometry warns in French without Python's file and line; a plot with no zone
    reads « hors zone » (never ``nan``); areas and scores keep one format per column."""
    import shapely
    from builders import make_layers

    layers = make_layers([
        {"plot_id": "P1", "geometry": shapely.box(0, 0, 200, 100), "site_id": None},
        {"plot_id": "P2", "geometry": shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])},
    ])
    inv = tmp_path / "inv.gpkg"
    import pyogrio

    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, inv, layer=name)
    proc = run("match", "--inventory", str(inv), "--project",
               str(brief(tmp_path, 'name = "T"\n')))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and ".py:" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("foncier : avertissement : "), proc.stderr
    assert "réparée" in proc.stderr
    rows = {line.split()[1]: line for line in proc.stdout.splitlines()[4:6]}
    assert "hors zone" in rows["P1"] and "nan" not in proc.stdout
    assert "2,00\u00a0ha" in rows["P1"] and "50,0" in rows["P1"]


def test_ranking_on_screen_builds_only_the_rows_it_shows():
    """``foncier match`` without ``--out`` prints the head: the whole table (reasons and relax
    of every plot) is not built, and the head is the whole table's head."""
    import foncier
    from foncier.cli.matching import format_ranking

    result = foncier.match(foncier.open_inventory(),
                           foncier.read_brief(next(p for p in sample_brief_paths()
                                                  if p.stem == "batteries")))
    text = format_ranking(result, limit=4, width=200)
    assert result._table is None
    head = text.splitlines()[4:8]
    assert [line.split()[1] for line in head] == result.table["plot_id"].head(4).tolist()
    assert text.splitlines()[-1].startswith(f"… {len(result.status) - 4} autres terrains")


def test_the_command_ends_at_once_with_its_outputs_and_cache_whole(tmp_path, capsys):
    """``foncier`` ends with ``os._exit`` once its work is done (the interpreter's teardown
    skipped): the table, the printed ranking and the cache entries its writer thread was
    still writing (each made 0.3 s slower here) are all whole."""
    import os
    import warnings

    import foncier
    from foncier.errors import CacheWarning
    from foncier.io.cache import cache_info

    cdir, out = tmp_path / "cache", tmp_path / "res.csv"
    project = next(str(p) for p in sample_brief_paths() if p.name == "batteries.toml")
    slow_writer = tmp_path / "slow_writer.py"
    slow_writer.write_text(textwrap.dedent("""
        import sys, time
        from foncier.io import cache
        real = cache._write_entry
        cache._write_entry = lambda *args: (time.sleep(0.3), real(*args))
        from foncier.cli.main import run
        run()
    """), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(slow_writer), "match", "--project", project,
                           "--out", str(out), "--limit", "0"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "FONCIER_CACHE_DIR": str(cdir)})
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert len(table) >= 300
    assert main(["match", "--project", project, "--out", str(tmp_path / "in.csv"),
                 "--limit", "0"]) == 0
    in_process = capsys.readouterr().out
    assert len(proc.stdout) > 20_000               # every printed line reached the pipe
    assert proc.stdout.replace(str(out), "X") == in_process.replace(str(tmp_path / "in.csv"),
                                                                     "X")
    assert cache_info(cache_dir=cdir).entries == 3   # layers, geometry, excluded area
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)      # an unreadable entry would warn
        again = foncier.match(foncier.open_inventory(cache=True, cache_dir=cdir),
                              foncier.read_brief(project))
    assert again.table["plot_id"].tolist() == table["plot_id"].tolist()


def test_results_are_kept_for_the_exit_only_when_the_process_ends_at_once(monkeypatch, capsys):
    """``run`` ends the process with ``os._exit``, so a command's results need not be freed
    one by one; a command run by ``main`` (tests, scripts) keeps nothing."""
    from foncier.cli import options

    monkeypatch.setattr(options, "_KEPT", [])
    assert main(["match", "--project", str(sample_brief_paths()[0]), "--limit", "1"]) == 0
    assert options._KEPT == []
    monkeypatch.setattr(options, "ENDING_AT_ONCE", True)
    assert main(["match", "--project", str(sample_brief_paths()[0]), "--limit", "1"]) == 0
    kept = options._KEPT
    assert len(kept) == 2 and type(kept[0]).__name__ == "MatchResult"
    capsys.readouterr()


def test_a_warm_match_imports_neither_geopandas_nor_gdal(tmp_path):
    """A second process on an unchanged inventory reads its layers and geometry from the cache
    and writes a CSV: it needs neither geopandas, pyproj, GDAL (pyogrio) nor the package
    metadata, and imports none of them (0.1 s of a warm command)."""
    from foncier import sample_inventory_path

    inventory = shutil.copy(sample_inventory_path(), tmp_path / "inv.gpkg")
    project = sample_brief_paths()[0]
    heavy = ("geopandas", "pyproj", "pyogrio", "importlib.metadata")
    # The file was just copied: its fingerprint's memo is trusted at once (RACY_SECONDS, 2 s
    # otherwise), as for a file left unchanged for a while.
    code = textwrap.dedent(f"""
        import sys
        import foncier.io.fingerprint
        foncier.io.fingerprint.RACY_SECONDS = 0.0
        from foncier.cli.main import main
        code = main(["match", "--inventory", {str(inventory)!r}, "--project", {str(project)!r},
                     "--out", sys.argv[1]])
        print("loaded", [m for m in {heavy!r} if m in sys.modules], code)
    """)
    env = {**os.environ, "FONCIER_CACHE_DIR": str(tmp_path / "cache")}
    outs = []
    for run_ in ("cold", "warm"):
        out = tmp_path / f"{run_}.csv"
        proc = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                              text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr
        outs.append((proc.stdout.splitlines()[-1], out.read_bytes()))
    (cold_line, cold_csv), (warm_line, warm_csv) = outs
    assert "'pyogrio'" in cold_line                     # the cold run reads the GeoPackage
    assert warm_line == "loaded [] 0"
    assert warm_csv == cold_csv


def test_version_option_prints_the_installed_version():
    import importlib.metadata

    proc = run("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"foncier {importlib.metadata.version('foncier')}\n"


def test_an_unwritable_cache_is_one_french_line_not_a_python_warning(tmp_path):
    """The cache's writer thread gives its warnings to the command before it ends, so that
    they print as the command's own lines (at the interpreter's exit they printed with
    Python's file, line and source)."""
    import os

    blocker = tmp_path / "fichier"
    blocker.write_text("", encoding="utf-8")            # the cache folder crosses a file
    project = next(str(p) for p in sample_brief_paths() if p.name == "batteries.toml")
    proc = subprocess.run([sys.executable, "-m", "foncier.cli", "match", "--project", project,
                           "--limit", "1"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "FONCIER_CACHE_DIR": str(blocker / "cache")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"foncier : avertissement : cache : écriture impossible dans {blocker / 'cache'} "
        "(un élément du chemin est un fichier, pas un dossier) ; le résultat n'est pas mis en "
        "cache. Choisissez un autre dossier "
        "avec FONCIER_CACHE_DIR."]
    assert "1 compatible" in proc.stdout
