"""The legal documents as PDF: A4, French, the profile's header, metadata, fonts embedded."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from foncier_gui.legal_pdf import document_html, write_legal_pdf
from legal_helpers import stored_inventory

from foncier.cli.main import main
from foncier.report.profile import TerritoryProfile

pytestmark = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler absent")


def _run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def test_letters_and_zone_documents_from_the_cli(tmp_path, capsys):
    inv = str(stored_inventory(tmp_path / "inv.gpkg"))
    (tmp_path / "o.csv").write_text("plot_id;name;kind\nP1;Jeanne Exemple;person\n",
                                    encoding="utf-8")
    letters, adopted = tmp_path / "lettres", tmp_path / "adopte"
    letters.mkdir()
    adopted.mkdir()
    assert main(["import-owners", inv, str(tmp_path / "o.csv")]) == 0
    assert main(["consultation", "start", inv, "--date", "2026-03-02"]) == 0
    assert main(["consultation", "letters", inv, "--out", str(letters)]) == 0
    assert main(["adopt", inv, "--date", "2026-06-01", "--out", str(adopted)]) == 0
    capsys.readouterr()
    letter, = letters.glob("*.pdf")
    info = _run("pdfinfo", str(letter))
    assert "Consultation sur l'inventaire des zones d'activité économique" in info
    assert "595 x 842 pts (A4)" in info
    text = _run("pdftotext", "-layout", str(letter), "-")
    assert "Jeanne Exemple" in text and "50147000ZK0101" in text
    assert "du 2 mars 2026 au 1er avril 2026" in text and "page 1 sur 1" in text
    fonts = _run("pdffonts", str(letter)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)    # embedded
    zone, = adopted.glob("*.pdf")
    text = _run("pdftotext", "-layout", str(zone), "-")
    assert "Inventaire arrêté le 1er juin 2026" in text and "Jeanne Exemple" in text


def test_profile_header_author_and_pages(tmp_path):
    rows = [[f"P{i}", f"50147000ZK{i:04d}", "1", "Commune"] for i in range(120)]
    content = {"title": "Inventaire long", "sender": ["Autre"], "recipient": [],
               "date": "Le 1er juin 2026", "paragraphs": ["A < B & C"],
               "tables": [{"caption": "État", "header": ["U", "Réf", "ha", "Prop"],
                           "rows": rows}]}
    assert "A &lt; B &amp; C" in document_html(content)
    profile = TerritoryProfile("Communauté d'agglomération du Cotentin", phone="02 33 00 00 00")
    out = write_legal_pdf(content, tmp_path / "long.pdf", profile=profile)
    info = _run("pdfinfo", str(out))
    assert "Author:          Communauté d'agglomération du Cotentin" in info
    pages = int(next(x for x in info.splitlines() if x.startswith("Pages:")).split()[1])
    assert pages >= 2
    last = _run("pdftotext", "-f", str(pages), "-l", str(pages), str(out), "-")
    assert f"page {pages} sur {pages}" in last and "02 33 00 00 00" in last
    every = _run("pdftotext", str(out), "-")
    assert all(f"50147000ZK{i:04d}" in every for i in range(120))     # no row lost between pages
