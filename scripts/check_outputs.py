"""Write every output format of foncier from the sample, then open each with the real clients.

The clients are those a Debian 12 machine has: GDAL's ``validate_gpkg.py`` (python3-gdal, run by
the system Python, which has ``osgeo``) and ``ogrinfo`` (gdal-bin, GDAL 3.6: what QGIS 3.22 reads
with) for the GeoPackages and the GeoJSON, openpyxl for the workbooks, and LibreOffice headless
(``soffice --convert-to pdf``, when installed: ``apt-get install libreoffice-calc-nogui``) with
``pdftoppm`` for a PNG of each workbook's first printed page, to look at. A client that is not
installed is said so and skipped. The exit status is 1 when a client reported a problem.

Usage::

    python scripts/check_outputs.py [--out DOSSIER] [--write-only]

``--write-only`` writes the files and prints their paths, one a line, without checking them:
``scripts/check_qgis.py`` (run by the system Python, which has QGIS) writes the outputs so, with
the repository's Python. Not run by CI (LibreOffice is too heavy for it); the GDAL checks also
run in the tests.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The prefix of the lines ``--write-only`` prints (one per file written).
WRITTEN = "ÉCRIT "
VALIDATORS = (Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"),
              Path("/usr/share/doc/python3-gdal/examples/validate_gpkg.py"))


def write_outputs(folder: Path) -> list[Path]:
    """Write the sample's outputs in every format foncier has; returns the files."""
    sys.path.insert(0, str(REPO))
    import foncier
    from foncier.cli import main
    from foncier.core.inventory import write_inventory
    from foncier.io.sample import sample_inventory_path

    sample = Path(sample_inventory_path())
    briefs = sample.parent / "briefs"
    files = []
    for suffix in (".gpkg", ".xlsx", ".csv", ".geojson"):
        out = folder / f"match{suffix}"
        main(["match", "--project", str(briefs / "logistique.toml"), "--out", str(out)])
        files.append(out)
    for suffix in (".gpkg", ".xlsx"):
        out = folder / f"lot{suffix}"
        main(["batch", "--briefs", str(briefs), "--out", str(out)])
        files.append(out)
    main(["export-cnig", str(sample), "--gpkg", str(folder / "cnig.gpkg")])
    main(["import-cnig", str(folder / "cnig.gpkg"), "--out", str(folder / "importe.gpkg")])
    write_inventory(foncier.open_inventory(), folder / "inventaire.gpkg")
    # The legal commands write into an inventory in place (history of edits, owners...).
    shutil.copyfile(folder / "inventaire.gpkg", folder / "juridique.gpkg")
    plot = foncier.open_inventory(folder / "juridique.gpkg").plots["plot_id"].iloc[0]
    main(["edit", str(folder / "juridique.gpkg"), "--plot", str(plot), "price_eur_m2=31.5",
          "--user", "vérification"])
    return files + [folder / f"{n}.gpkg" for n in ("cnig", "importe", "inventaire", "juridique")]


def run(cmd: list[str]) -> tuple[int, str]:
    """Run a client; its exit status and what it printed."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    return done.returncode, (done.stdout + done.stderr).strip()


def check_gpkg(path: Path) -> bool:
    """GDAL's validator (warnings as errors) and ogrinfo on every layer."""
    ok = True
    script = next((p for p in VALIDATORS if p.exists()), None)
    if script is None:
        print("  validate_gpkg.py : absent (apt-get install python3-gdal)")
    else:
        code, said = run(["/usr/bin/python3", str(script), "-k", "--warning-as-error", str(path)])
        print(f"  validate_gpkg.py : {'valide' if code == 0 and not said else said}")
        ok &= code == 0 and not said
    return check_ogrinfo(path) and ok


def check_ogrinfo(path: Path) -> bool:
    if shutil.which("ogrinfo") is None:
        print("  ogrinfo : absent (apt-get install gdal-bin)")
        return True
    code, said = run(["ogrinfo", "-ro", "-al", "-so", "-q", str(path)])
    warnings = [ln for ln in said.splitlines() if ln.startswith(("Warning", "ERROR"))]
    layers = sum(ln.startswith("Layer name:") for ln in said.splitlines())
    print(f"  ogrinfo : {layers} couche(s), "
          f"{'aucun avertissement' if not warnings else ' | '.join(warnings)}")
    return code == 0 and not warnings


def check_xlsx(path: Path, folder: Path) -> bool:
    """openpyxl reads it back; LibreOffice converts it to PDF; pdftoppm draws page 1."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    print(f"  openpyxl : {len(book.sheetnames)} feuille(s) ; « {ws.title} » : "
          f"{ws.page_setup.orientation}, {ws.page_setup.fitToWidth} page de large, "
          f"titres {ws.print_title_rows}")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("  LibreOffice : absent (apt-get install libreoffice-calc-nogui)")
        return True
    code, said = run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(folder),
                      str(path)])
    pdf = folder / f"{path.stem}.pdf"
    lines = said.splitlines()
    shown = next((ln for ln in lines if ln.startswith("convert")), lines[-1] if lines else code)
    others = [ln for ln in lines if ln != shown]
    print(f"  LibreOffice : {shown}" + (f" (et : {' | '.join(others)})" if others else ""))
    if code != 0 or not pdf.exists():
        return False
    if shutil.which("pdfinfo"):
        pages = [ln for ln in run(["pdfinfo", str(pdf)])[1].splitlines()
                 if ln.startswith(("Pages", "Page size"))]
        print(f"  pdfinfo : {' ; '.join(' '.join(p.split()) for p in pages)}")
    if shutil.which("pdftoppm"):
        run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf),
             str(folder / path.stem)])
        print(f"  page 1 : {next(folder.glob(f'{path.stem}-*1.png'), 'non dessinée')}")
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="dossier des fichiers écrits (par défaut : un dossier temporaire)")
    parser.add_argument("--write-only", action="store_true",
                        help="écrire les fichiers et afficher leurs chemins, sans les vérifier")
    args = parser.parse_args(argv)
    folder = args.out or Path(tempfile.mkdtemp(prefix="foncier-sorties-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.write_only:
        files = write_outputs(folder)
        print("\n".join(f"{WRITTEN}{path}" for path in files))
        return 0
    ok = True
    for path in write_outputs(folder):
        print(path.name)
        if path.suffix == ".gpkg":
            ok &= check_gpkg(path)
        elif path.suffix == ".geojson":
            ok &= check_ogrinfo(path)
        elif path.suffix == ".xlsx":
            ok &= check_xlsx(path, folder)
        else:
            print(f"  CSV : {len(path.read_text(encoding='utf-8').splitlines())} lignes")
    print(f"Fichiers dans {folder}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
