"""Every writer under real faults: a full disk, a read-only folder, a write killed by SIGKILL.

The full disk is a small tmpfs (``mount -t tmpfs -o size=64k``) and the read-only folder a tmpfs
remounted ``ro``: tests run as root here, where ``chmod 0555`` does not stop writes. Where
mounting is not allowed the tests are skipped with the reason. A write that fails leaves the
target exactly as it was and no temporary file; a killed write leaves the old file or the new
complete one, and its leftovers are removed by the next write to the same target.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

import foncier
from foncier.errors import OutputError
from foncier.io.atomic import TEMP_MARK, atomic_files
from foncier.io.results import write_table
from foncier.io.store import write_layers
from foncier.io.xlsx import Sheet, write_xlsx

OLD = b"ancien contenu, intact"
SAMPLE = foncier.open_inventory()


def _mount(path: Path, size: str = "64k") -> None:
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"tmpfs impossible à monter ici ({done.stderr.strip() or 'refusé'}) : "
                    "les tests de disque plein et de lecture seule demandent root")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def full_disk(tmp_path):
    """A 64 kB disk holding the old targets, then filled up but for 2 kB."""
    disk = tmp_path / "disque"
    _mount(disk)
    yield disk
    _umount(disk)


def _fill(disk: Path, keep: int = 2048) -> None:
    fd = os.open(disk / "remplissage", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)
    size = (disk / "remplissage").stat().st_size
    os.truncate(disk / "remplissage", max(0, size - keep))


@pytest.fixture
def read_only(tmp_path):
    """A folder holding the old targets, remounted read-only; yields a function that seals it."""
    disk = tmp_path / "protégé"
    _mount(disk, "16m")  # room for a copy of the sample inventory (2.4 MB)

    def seal():
        done = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True,
                              text=True)
        if done.returncode:
            pytest.skip(f"remontage en lecture seule impossible ({done.stderr.strip()})")

    yield disk, seal
    _umount(disk)


def _big_table(n: int = 3000, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    ids = [f"P{rng.integers(1 << 60):x}" for _ in range(n)]
    return gpd.GeoDataFrame({"plot_id": ids, "score": rng.random(n) * 100,
                             "reasons": [f"motif {i} " + "x" * 30 for i in range(n)]},
                            geometry=shapely.points(rng.random(n) * 1e5, rng.random(n) * 1e5),
                            crs="EPSG:2154")


def _brief_file(folder: Path) -> Path:
    path = folder / "projet.toml"
    path.write_text('name = "Atelier"\n[land]\nmin_area_ha = 1\n', encoding="utf-8")
    return path


# Each writer: (name, target file name, function(target) writing enough to fill the disk).
def _results(suffix):
    return lambda target: write_table(_big_table(), target)


def _batch(suffix):
    def run(target):
        from foncier.analysis.batch import run_batch, write_batch

        write_batch(run_batch([SAMPLE], [foncier.Brief(name="Atelier")]), target)
    return run


def _report(target):
    from foncier.report.html import write_report_html

    write_report_html(foncier.match(SAMPLE, foncier.Brief(name="Atelier")), target, top=5)


def _brief(target):
    from foncier.core.brief import write_brief

    write_brief(foncier.Brief(name="Atelier " + "x" * 5000), target)


def _import_cnig(target):
    from foncier.standards.cnig import export_cnig, import_cnig

    source = Path(os.environ["FONCIER_TEST_CNIG"])
    if not source.exists():
        export_cnig(SAMPLE, gpkg=source, force=True)
    import_cnig([source], target)


def _export_gpkg(target):
    from foncier.standards.cnig import export_cnig

    export_cnig(SAMPLE, gpkg=target, force=True)


WRITERS = {
    "match .csv": ("r.csv", _results(".csv")),
    "match .xlsx": ("r.xlsx", _results(".xlsx")),
    "match .gpkg": ("r.gpkg", _results(".gpkg")),
    "match .geojson": ("r.geojson", _results(".geojson")),
    "xlsx": ("t.xlsx", lambda t: write_xlsx(t, [Sheet("S", pd.DataFrame(_big_table()).drop(
        columns="geometry"))])),
    "store": ("inv.gpkg", lambda t: write_layers({"plots": _big_table()}, t)),
    "batch .xlsx": ("lot.xlsx", _batch(".xlsx")),
    "batch .gpkg": ("lot.gpkg", _batch(".gpkg")),
    "report": ("fiche.html", _report),
    "brief": ("b.toml", _brief),
    "import-cnig": ("importé.gpkg", _import_cnig),
    "export-cnig --gpkg": ("cnig.gpkg", _export_gpkg),
}


@pytest.fixture(autouse=True)
def _cnig_source(tmp_path, monkeypatch):
    monkeypatch.setenv("FONCIER_TEST_CNIG", str(tmp_path / "source-cnig.gpkg"))


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _once(message: str, target: Path) -> None:
    assert message.count(str(target)) == 1, message
    assert message.startswith(f"{target} : écriture impossible")


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_full_disk_is_one_clear_error_and_the_old_file_stays(full_disk, writer):
    name, write = WRITERS[writer]
    target = full_disk / name
    target.write_bytes(OLD)
    _fill(full_disk)
    before = _listing(full_disk)
    with pytest.raises(OutputError, match="le disque est plein : libérez de la place") as err:
        write(target)
    _once(str(err.value), target)
    assert _listing(full_disk) == before
    assert not any(TEMP_MARK in p.name for p in full_disk.iterdir())


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_read_only_folder_is_one_clear_error(read_only, writer):
    folder, seal = read_only
    name, write = WRITERS[writer]
    target = folder / name
    target.write_bytes(OLD)
    seal()
    with pytest.raises(OutputError, match=r"protégé en écriture \(lecture seule\) : choisissez "
                                          "un dossier où vous pouvez écrire") as err:
        write(target)
    _once(str(err.value), target)
    assert _listing(folder) == {name: OLD}


def test_cnig_csv_on_a_full_disk_leaves_the_old_files(full_disk):
    """The sample's site-eco.csv (11 kB) fits, terrain-eco.csv (100 kB) does not."""
    from foncier.standards.cnig import export_cnig

    folder = full_disk / "csv"
    folder.mkdir()
    (folder / "site-eco.csv").write_bytes(b"ancien site")
    (folder / "terrain-eco.csv").write_bytes(b"ancien terrain")
    with pytest.raises(OutputError, match=r"csv : écriture impossible, le disque est plein"):
        export_cnig(SAMPLE, csv_dir=folder, force=True)
    assert _listing(folder) == {"site-eco.csv": b"ancien site",
                                "terrain-eco.csv": b"ancien terrain"}
    assert sorted(p.name for p in folder.iterdir()) == ["site-eco.csv", "terrain-eco.csv"]


def test_cnig_csv_in_a_read_only_folder(read_only):
    from foncier.standards.cnig import export_cnig

    folder, seal = read_only
    (folder / "site-eco.csv").write_bytes(OLD)
    seal()
    with pytest.raises(OutputError, match="protégé en écriture"):
        export_cnig(SAMPLE, csv_dir=folder, force=True)
    assert _listing(folder) == {"site-eco.csv": OLD}


def test_a_failing_move_puts_the_moved_files_back(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "a.csv").write_bytes(b"ancien a")
    with pytest.raises(OutputError, match=r"b\.csv : écriture impossible"):
        with atomic_files(folder, ["a.csv", "b.csv"]) as tmp:
            tmp["a.csv"].write_bytes(b"nouveau a")
            tmp["b.csv"].write_bytes(b"nouveau b")
            (folder / "b.csv").mkdir()          # another program takes the name meanwhile
            (folder / "b.csv" / "occupé").write_bytes(b"")
    assert (folder / "a.csv").read_bytes() == b"ancien a"
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "b.csv"]


# ---------------------------------------------------------------- the command line, end to end

def _cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "foncier.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONWARNINGS": "default"})


@pytest.mark.parametrize("suffix", [".xlsx", ".gpkg", ".geojson", ".csv"])
def test_match_on_a_full_disk_prints_one_line_and_nothing_after(full_disk, tmp_path, suffix):
    brief = _brief_file(tmp_path)
    target = full_disk / f"r{suffix}"
    target.write_bytes(OLD)
    _fill(full_disk, keep=1024)
    done = _cli("match", "--project", brief, "--out", target, "--limit", "1")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr   # one line, no more
    assert done.stderr.startswith(f"foncier : erreur : {target} : écriture impossible, le "
                                  "disque est plein")
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in full_disk.iterdir()) == sorted(["remplissage", f"r{suffix}"])


@pytest.mark.parametrize("command", ["batch", "report", "import-cnig", "export-cnig",
                                     "import-friches"])
def test_commands_in_a_read_only_folder_say_so(read_only, tmp_path, command):
    folder, seal = read_only
    brief = _brief_file(tmp_path)
    inv = tmp_path / "inv.gpkg"
    inv.write_bytes(Path(SAMPLE.location).read_bytes())
    friches = tmp_path / "friches.csv"
    friches.write_text("site_id;site_nom\n", encoding="utf-8")
    args = {"batch": ["batch", "--briefs", brief, "--out", folder / "lot.xlsx"],
            "report": ["report", "--project", brief, "--out", folder / "fiche.html"],
            "import-cnig": ["import-cnig", SAMPLE.location, "--out", folder / "i.gpkg"],
            "export-cnig": ["export-cnig", SAMPLE.location, "--csv", folder / "csv",
                            "--force"],
            "import-friches": ["import-friches", friches, "--into", folder / "inv.gpkg"]}
    if command == "import-cnig":
        from foncier.standards.cnig import export_cnig

        export_cnig(SAMPLE, gpkg=tmp_path / "cnig.gpkg", force=True)
        args[command][1] = tmp_path / "cnig.gpkg"
    if command == "import-friches":
        (folder / "inv.gpkg").write_bytes(inv.read_bytes())
    before = _listing(folder)
    seal()
    done = _cli(*args[command])
    assert "Traceback" not in done.stderr and done.returncode in (1, 2), done.stderr
    assert done.stderr.startswith("foncier : erreur : "), done.stderr
    if command != "import-friches" or "protégé" in done.stderr:
        assert "protégé en écriture" in done.stderr, done.stderr
    assert _listing(folder) == before


# ---------------------------------------------------------------- writes killed by SIGKILL

_CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from test_faults import KILLED
    target, kind = sys.argv[1], sys.argv[2]
    make, write = KILLED[kind]
    data = make()
    print("prêt", flush=True)
    write(data, target)
    print("fini", flush=True)
""")

N_KILLED = 25_000
#: Killed writes per writer.
KILLS = 5


def _make_table():
    return _big_table(N_KILLED, seed=1)


def _write_cnig_csv(data, folder):
    from foncier.standards.cnig.write import write_cnig_csv

    write_cnig_csv({"site-eco": data, "terrain-eco": data}, folder)


def _cnig_table():
    t = _make_table().rename(columns={"plot_id": "site_id"})
    t["geometry"] = t.geometry.buffer(5, quad_segs=1)
    return t


KILLED = {
    ".csv": (_make_table, write_table),
    ".xlsx": (_make_table, write_table),
    ".gpkg": (_make_table, write_table),
    ".geojson": (_make_table, write_table),
    "store": (_make_table, lambda d, t: write_layers({"plots": d}, t)),
    "cnig-csv": (_cnig_table, _write_cnig_csv),
}


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f))


def _complete(kind: str, target: Path) -> bool:
    """Whether ``target`` is a whole new file (or folder of files) of the killed write."""
    if kind == "cnig-csv":
        return all(_csv_rows(target / n) == N_KILLED + 1
                   for n in ("site-eco.csv", "terrain-eco.csv"))
    if kind == ".csv":
        with target.open(encoding="utf-8", newline="") as f:
            return sum(1 for _ in csv.reader(f)) == N_KILLED + 1
    if kind == ".xlsx":
        wb = openpyxl.load_workbook(target, read_only=True)
        try:
            return wb.active.max_row == N_KILLED + 1
        finally:
            wb.close()
    layer = "plots" if kind == "store" else None
    return len(pyogrio.read_dataframe(target, layer=layer, read_geometry=False)) == N_KILLED


def _old_intact(kind: str, target: Path) -> bool:
    if kind == "cnig-csv":
        return _listing(target) == {"site-eco.csv": OLD, "terrain-eco.csv": OLD}
    return target.read_bytes() == OLD


def _kill_mid_write(kind: str, target: Path, delay: float) -> bool:
    """Start the write in a child process, SIGKILL it once its temporary exists (plus
    ``delay``); returns whether a temporary was left behind."""
    folder = target if kind == "cnig-csv" else target.parent
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(tests=str(Path(__file__)
                                                                               .parent)),
                              str(target), kind], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "prêt"
        while child.poll() is None and not any(TEMP_MARK in p.name
                                               for p in folder.iterdir()):
            time.sleep(0.002)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
        child.stdout.close()
    return any(TEMP_MARK in p.name for p in folder.iterdir())


@pytest.mark.parametrize("kind", list(KILLED))
def test_a_killed_write_leaves_old_or_new_and_the_next_write_cleans_up(tmp_path, kind):
    rng = random.Random(kind)
    target = tmp_path / ("csv" if kind == "cnig-csv" else f"cible{kind.replace('store', '.gpkg')}")
    if kind == "cnig-csv":
        target.mkdir()
        for n in ("site-eco.csv", "terrain-eco.csv"):
            (target / n).write_bytes(OLD)
    else:
        target.write_bytes(OLD)
    left = 0
    delays = [0.0] + [rng.choice([0.0, 0.01, 0.05, 0.2]) for _ in range(KILLS - 1)]
    # A fast writer can finish before the kill lands: up to KILLS more immediate kills until
    # one has caught a write on its way.
    delays += [0.0] * KILLS
    for n, delay in enumerate(delays):
        if n >= KILLS and left:
            break
        left += _kill_mid_write(kind, target, delay)
        assert _old_intact(kind, target) or _complete(kind, target), \
            f"{kind} : ni l'ancien fichier intact ni un nouveau complet"
    assert left > 0, "aucune écriture n'a été tuée en cours de route"
    folder = target if kind == "cnig-csv" else tmp_path
    if kind == "cnig-csv":
        _write_cnig_csv(_cnig_table().head(10), target)
    else:
        KILLED[kind][1](_big_table(10), target)
    assert not [p.name for p in folder.iterdir() if TEMP_MARK in p.name]


# ---------------------------------------------------------------- outputs that are inputs

def _copy_sample(folder: Path) -> Path:
    inv = folder / "inv.gpkg"
    inv.write_bytes(Path(SAMPLE.location).read_bytes())
    return inv


@pytest.mark.parametrize("how", ["même chemin", "chemin détourné", "lien physique"])
def test_match_refuses_to_overwrite_its_inventory(tmp_path, how):
    inv = _copy_sample(tmp_path)
    before = inv.read_bytes()
    out = {"même chemin": inv, "chemin détourné": tmp_path / "." / ".." / tmp_path.name /
           "inv.gpkg", "lien physique": tmp_path / "lien.gpkg"}[how]
    if how == "lien physique":
        os.link(inv, out)
    done = _cli("match", "--project", _brief_file(tmp_path), "--inventory", inv, "--out", out)
    assert done.returncode == 1
    assert done.stderr == (f"foncier : erreur : {out} : la sortie (--out) est aussi un des "
                           "fichiers lus ; l'écrire effacerait ce qu'on lit : choisissez un "
                           "autre nom de fichier.\n")
    assert inv.read_bytes() == before


def test_batch_and_report_refuse_to_overwrite_an_input(tmp_path):
    inv = _copy_sample(tmp_path)
    brief = _brief_file(tmp_path)
    done = _cli("batch", "--briefs", brief, "--inventory", inv, "--out", inv)
    assert done.returncode == 1 and "la sortie (--out) est aussi un des fichiers lus" in \
        done.stderr
    report = tmp_path / "b.html"
    report.write_text('name = "R"\n', encoding="utf-8")
    done = _cli("report", "--project", report, "--out", report)
    assert done.returncode == 1 and "est aussi un des fichiers lus" in done.stderr
    assert report.read_text(encoding="utf-8") == 'name = "R"\n'


def test_export_cnig_refuses_to_overwrite_its_inventory(tmp_path):
    from foncier.standards.cnig import export_cnig

    inv = _copy_sample(tmp_path)
    before = inv.read_bytes()
    with pytest.raises(OutputError, match=r"inv\.gpkg : le GeoPackage à écrire est aussi un "
                                          r"des fichiers lus"):
        export_cnig(str(inv), gpkg=inv, force=True)
    done = _cli("export-cnig", inv, "--gpkg", inv, "--force")
    assert done.returncode == 1 and "est aussi un des fichiers lus" in done.stderr
    assert inv.read_bytes() == before


def test_import_cnig_refuses_to_overwrite_its_source(tmp_path):
    from foncier.standards.cnig import export_cnig, import_cnig

    source = tmp_path / "cnig.gpkg"
    export_cnig(SAMPLE, gpkg=source, force=True)
    before = source.read_bytes()
    with pytest.raises(OutputError, match=r"cnig\.gpkg : l'inventaire à écrire est aussi un "
                                          r"des fichiers lus"):
        import_cnig([source], source)
    folder = tmp_path / "csv"
    export_cnig(SAMPLE, csv_dir=folder, force=True)
    with pytest.raises(OutputError, match="est aussi un des fichiers lus"):
        import_cnig([folder], folder / "site-eco.csv")
    assert source.read_bytes() == before


# ---------------------------------------------------------------- bad output arguments

@pytest.mark.parametrize("args, said", [
    (["match", "--project", "{brief}", "--out", ""], "--out vide : donnez le nom du fichier"),
    (["batch", "--briefs", "{brief}", "--out", ""], "--out vide : donnez le nom du fichier"),
    (["report", "--project", "{brief}", "--out", ""], "--out vide : donnez le nom du fichier"),
    (["export-cnig", "{inv}", "--csv", ""],
     "dossier des CSV vide (option --csv) : donnez un dossier"),
    (["export-cnig", "{inv}", "--gpkg", ""], "GeoPackage à écrire vide (option --gpkg)"),
    (["import-cnig", "{cnig}", "--out", ""], "inventaire à écrire vide"),
    (["export-cnig", "{inv}", "--csv", "{brief}"],
     "projet.toml : c'est un fichier, pas un dossier ; donnez un dossier (existant ou à créer) "
     "pour les CSV (option --csv)."),
])
def test_bad_output_arguments_are_refused(tmp_path, args, said):
    brief = _brief_file(tmp_path)
    cnig = tmp_path / "site-eco.csv"
    cnig.write_text("site_id\n", encoding="utf-8")
    args = [a.format(brief=brief, cnig=cnig, inv=SAMPLE.location) for a in args]
    before = sorted(p.name for p in tmp_path.iterdir())
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert said in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and "erreur :  :" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
