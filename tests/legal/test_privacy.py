"""A private owner (« Jeanne Exemple ») never appears in a published output, in any format."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from legal_helpers import stored_inventory

from foncier.cli.main import main
from foncier.core.inventory import open_inventory
from foncier.io.sample import sample_brief_paths
from foncier.legal.owners import check_owners
from foncier.legal.privacy import private_names, public_columns
from foncier.legal.store import store_table

NAME = "Jeanne Exemple"


def _texts(path: Path) -> list[bytes]:
    """Every byte stream a reader of ``path`` could see (zip members unpacked, PDF as text)."""
    if path.is_dir():
        return [b for p in sorted(path.rglob("*")) if p.is_file() for b in _texts(p)]
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return [z.read(n) for n in z.namelist()]
    if path.suffix == ".pdf":
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        return [text.stdout, path.read_bytes()]
    return [path.read_bytes()]


def _mentions(path: Path) -> bool:
    return any(NAME.encode() in b for b in _texts(path))


@pytest.fixture
def inv(tmp_path):
    path = stored_inventory(tmp_path / "inv.gpkg")
    rows = pd.DataFrame([{"plot_id": "P1", "name": NAME, "kind": "person",
                          "address": "1 rue des Lilas"}])
    owners, problems = check_owners(rows, {"P1"})
    assert problems == []
    store_table(path, "owners", owners)
    store_table(path, "occupants", pd.DataFrame([     # exported as CNIG ETABLISSEMENT rows
        {"siret": "73282932000074", "siren": "732829320", "terr_id": "P1", "etab_nom": "ACME",
         "etab_actif": "oui"},
        {"siret": "44306184100005", "siren": "443061841", "terr_id": "P2", "etab_nom": NAME,
         "etab_adresse": "1 rue des Lilas", "etab_actif": "oui"}]))
    assert _mentions(path)          # the inventory itself holds her name (the test can fail)
    return path


def test_no_private_owner_in_any_published_output(inv, tmp_path, capsys):
    brief = str(sample_brief_paths()[-1])
    out = tmp_path / "out"
    out.mkdir()
    written = []
    for suffix in (".csv", ".xlsx", ".gpkg", ".geojson"):
        written.append(out / f"match{suffix}")
        assert main(["match", "--inventory", str(inv), "--project", brief,
                     "--out", str(written[-1])]) == 0
    for suffix in (".xlsx", ".gpkg"):
        written.append(out / f"batch{suffix}")
        assert main(["batch", "--inventory", str(inv), "--briefs", brief,
                     "--out", str(written[-1])]) == 0
    written.append(out / "rapport.html")
    assert main(["report", "--inventory", str(inv), "--project", brief,
                 "--out", str(written[-1])]) == 0
    if shutil.which("pdftotext"):
        written.append(out / "rapport.pdf")
        assert main(["report", "--inventory", str(inv), "--project", brief,
                     "--out", str(written[-1])]) == 0
    written += [out / "cnig", out / "cnig.gpkg"]
    assert main(["export-cnig", str(inv), "--csv", str(written[-2]), "--gpkg",
                 str(written[-1]), "--force"]) == 0
    assert "hors de l'export CNIG (données personnelles)" in capsys.readouterr().err
    assert all(p.exists() for p in written)
    # the occupants did reach the export (its ETABLISSEMENT rows exist), only not hers
    assert b"ACME" in (out / "cnig" / "etablissement.csv").read_bytes()
    assert any(b"ACME" in b for b in _texts(out / "cnig.gpkg"))
    leaks = [p.name for p in written if _mentions(p)]
    assert leaks == []


def test_the_inventory_never_carries_owners(inv):
    inventory = open_inventory(inv)
    assert all(NAME not in frame.astype(str).to_numpy().ravel().tolist()
               for frame in inventory.layers().values())


def test_private_names_and_public_columns():
    owners = pd.DataFrame({"name": [NAME, "Commune"], "kind": ["person", "public"]})
    assert private_names(owners) == [NAME]
    assert list(public_columns(pd.DataFrame({"plot_id": [1], "Owner_Name": [NAME]}))) == [
        "plot_id"]
