"""The real GeoPackage clients the tests check foncier's files with: GDAL's validator and ogrinfo.

GDAL's ``validate_gpkg.py`` (Debian's ``python3-gdal``) runs with the system Python, which has
``osgeo``; the tests skip, saying why, when it is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

#: Where Debian 12's python3-gdal puts GDAL's GeoPackage validator.
VALIDATORS = (Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"),
              Path("/usr/share/doc/python3-gdal/examples/validate_gpkg.py"))
SYSTEM_PYTHON = Path("/usr/bin/python3")


def validator() -> Path | None:
    """GDAL's validator, when installed and runnable by the system Python."""
    if not SYSTEM_PYTHON.exists():
        return None
    return next((p for p in VALIDATORS if p.exists()), None)


def validate(path: Path) -> str:
    """Run GDAL's validator (every check, warnings as errors): its output, "" when it passes.

    Skips the test when the validator is missing.
    """
    script = validator()
    if script is None:
        pytest.skip("GDAL's validate_gpkg.py is not installed (apt-get install python3-gdal)")
    run = subprocess.run([str(SYSTEM_PYTHON), str(script), "-k", "--warning-as-error",
                          str(path)], capture_output=True, text=True, timeout=600)
    out = (run.stdout + run.stderr).strip()
    if run.returncode != 0 and not out:
        out = f"validate_gpkg.py a échoué (code {run.returncode})"
    return out


def ogrinfo_warnings(path: Path) -> list[str]:
    """The warnings and errors of the system's ``ogrinfo`` (GDAL 3.6 on Debian 12) opening every
    layer of a file; skips when ogrinfo is missing."""
    exe = shutil.which("ogrinfo", path="/usr/bin:/usr/local/bin")
    if exe is None:
        pytest.skip("ogrinfo is not installed (apt-get install gdal-bin)")
    run = subprocess.run([exe, "-ro", "-al", "-so", "-q", str(path)], capture_output=True,
                         text=True, timeout=600)
    lines = (run.stdout + run.stderr).splitlines()
    return [ln for ln in lines if ln.startswith(("Warning", "ERROR"))]


def gpkg_schema(path: Path) -> dict[str, list[tuple[str, str, int, int]]]:
    """Per table (GeoPackage system tables left out), its columns as ``pragma table_info``
    says: name, declared type, not null, primary key."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'gpkg%' "
            "AND name NOT LIKE 'rtree%' AND name NOT LIKE 'sqlite%'")]
        return {t: [(r[1], r[2], r[3], r[5]) for r in con.execute(f'PRAGMA table_info("{t}")')]
                for t in tables}
    finally:
        con.close()
