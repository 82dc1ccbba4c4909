"""The investor report as a document: the territory profile, and the PDF read back with poppler
(text per page, page count, metadata, fonts, rendered maps)."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import foncier
from foncier.cli import main
from foncier.errors import ProfileError
from foncier.report import report_content, report_html
from foncier.report.profile import read_profile

PROFILE = Path(foncier.__file__).parent.parent / "sample_data" / "profile.toml"


def brief_path(stem: str) -> Path:
    return next(p for p in foncier.sample_brief_paths() if p.stem == stem)


# ----------------------------------------------------------------------------- profile


def test_read_profile_gives_the_sample_territory():
    prof = read_profile(PROFILE)
    assert prof.organisation == "Service développement économique"
    assert prof.email == "contact@example.org" and prof.logo is None
    assert prof.contact_lines()[0] == prof.organisation


def test_read_profile_reports_every_problem_by_key(tmp_path):
    path = tmp_path / "profil.toml"
    path.write_text('organisation = ""\nemail = "sans-arobase"\nphone = 33\n'
                    'logo = "absent.png"\ncouleur = "bleu"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="5 problèmes") as err:
        read_profile(path)
    text = str(err.value)
    assert "couleur: clé inconnue ; clés possibles : territory" in text
    assert "phone: un texte est attendu (reçu : 33)" in text
    assert "organisation: le nom de l'organisme est obligatoire" in text
    assert "email: adresse électronique sans « @ » : 'sans-arobase'" in text
    assert re.search(r"logo: image introuvable : .*absent\.png \(chemin relatif", text)


@pytest.mark.parametrize(("content", "message"), [
    ('organisation = "A"\nlogo = "logo.gif"\n', r"logo: logo\.gif : une image PNG ou JPEG"),
    ('contact = "Mme X"\n', r"organisation: le nom de l'organisme est obligatoire"),
    ('organisation = \n', r"TOML illisible \(valeur illisible \(un nombre.*\), ligne 1, "
                             r"colonne 16\)\."),
])
def test_read_profile_refuses_a_bad_file(tmp_path, content, message):
    path = tmp_path / "profil.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        read_profile(path)


def test_read_profile_of_a_missing_file_names_it_once(tmp_path):
    with pytest.raises(ProfileError, match=r"absent\.toml: fichier introuvable\. Donnez") as err:
        read_profile(tmp_path / "absent.toml")
    assert str(err.value).count("absent.toml") == 1


def test_read_profile_keeps_an_existing_logo(tmp_path):
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "profil.toml").write_text('organisation = "A"\nlogo = "logo.png"\n',
                                          encoding="utf-8")
    assert read_profile(tmp_path / "profil.toml").logo == (tmp_path / "logo.png").resolve()


def test_cli_report_refuses_a_bad_profile_without_writing(tmp_path, capsys):
    bad = tmp_path / "profil.toml"
    bad.write_text('email = "x"\n', encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", "--project", str(brief_path("atelier")), "--profile", str(bad),
                 "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "organisation: le nom de l'organisme est obligatoire" in err
    assert "Traceback" not in err and not out.exists()


# ----------------------------------------------------------------------------- PDF read back


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    done = subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """Every sample brief's report, written by ``foncier report`` with the sample profile."""
    pytest.importorskip("foncier_gui.pdf")
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for path in foncier.sample_brief_paths():
        out[path.stem] = folder / f"{path.stem}.pdf"
        assert main(["report", "--project", str(path), "--profile", str(PROFILE),
                     "--out", str(out[path.stem])]) == 0
    return out


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, ligatures (« ﬀ ») undone and every run of blanks one space."""
    text = poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    return [re.sub(r"\s+", " ", unicodedata.normalize("NFKC", page))
            for page in text.split("\f")[:-1]]


@pytest.mark.parametrize("stem", [p.stem for p in foncier.sample_brief_paths()])
def test_pdf_has_a_summary_then_a_sheet_per_proposed_plot(pdfs, sample_inventory, stem):
    brief = foncier.read_brief(brief_path(stem))
    content = report_content(foncier.match(sample_inventory, brief), top=10)
    n_sheets = min(len(content.plots), 5)
    info = poppler("pdfinfo", str(pdfs[stem]))
    assert re.search(rf"^Pages:\s+{1 + n_sheets}$", info, re.M)
    assert re.search(rf"^Title:\s+Terrains proposés — {re.escape(brief.name)}$", info, re.M)
    assert re.search(r"^Author:\s+Service développement économique$", info, re.M)
    pages = page_texts(pdfs[stem])
    assert len(pages) == 1 + n_sheets
    assert "Terrains proposés" in pages[0] and "Votre contact" in pages[0]
    for plot in content.plots:
        assert plot.label in pages[0]
    for k, (page, sheet) in enumerate(zip(pages[1:], content.sheets, strict=True), start=1):
        assert f"Fiche {k} — {sheet.title}" in page
        assert "Chiffres clés" in page and "Points à vérifier" in page
    for k, page in enumerate(pages, start=1):
        assert "Service développement économique" in page          # the profile, every page
        assert "contact@example.org" in page
        assert f"page {k}/{len(pages)}" in page
        assert "Produit par foncier" in page                       # the audit footer


def test_pdf_sheet_count_follows_the_option(tmp_path):
    pytest.importorskip("foncier_gui.pdf")
    out = tmp_path / "r.pdf"
    assert main(["report", "--project", str(brief_path("logistique")), "--sheets", "2",
                 "--out", str(out)]) == 0
    pages = page_texts(out)
    assert len(pages) == 3 and "Fiche 2" in pages[2]
    assert main(["report", "--project", str(brief_path("logistique")), "--sheets", "0",
                 "--out", str(out)]) == 0
    assert len(page_texts(out)) == 1


def test_pdf_fonts_are_embedded(pdfs):
    rows = poppler("pdffonts", str(pdfs["logistique"])).splitlines()[2:]
    assert rows
    for row in rows:
        # name type [type...] encoding emb sub uni object ID
        emb = row.split()[-5]
        assert emb == "yes", row


@pytest.mark.parametrize("stem", [p.stem for p in foncier.sample_brief_paths()])
def test_pdf_text_reads_as_an_investor_should(pdfs, stem):
    flat = " ".join(page_texts(pdfs[stem]))
    assert not re.search(r"\b(\w{3,}) « \1\b", flat, re.I)        # « Projet « Projet … »
    assert not re.search(r"\.\s*;", flat)                          # reasons as sentences
    assert ".gpkg" not in flat and "normandie.gpkg" not in flat.lower()   # no file name
    assert not re.search(r"ZAE-\S+\+ZAE-", flat)                   # assembly ids kept short
    assert not re.search(r"(?<![\d,])\d+ ha\b", flat)              # areas: always 2 decimals


def drawn_pages(content):
    from foncier_gui.pdf import PAGE_SIZE, draw_report
    from PySide6.QtGui import QImage, QPainter

    image = QImage(int(PAGE_SIZE.width()), int(PAGE_SIZE.height()), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        return draw_report(painter, content)
    finally:
        painter.end()


@pytest.mark.parametrize("stem", ["logistique", "chimie_seveso"])
def test_drawn_text_has_non_breaking_spaces_before_units_and_punctuation(qapp,
                                                                          sample_inventory, stem):
    """pdftotext reads the PDF's non-breaking spaces back as spaces (they share the font's
    space glyph), so the typography is checked on the texts the painter draws."""
    content = report_content(foncier.match(sample_inventory,
                                           foncier.read_brief(brief_path(stem))), top=10)
    texts = [t for page in drawn_pages(content) for t in page]
    joined = "\n".join(texts)
    assert "\u00a0ha" in joined and "\u00a0km" in joined and "\u00a0: " in joined
    units = r"(ha|m²|€/m²|km|MW|m³/j|m)\b"
    assert not re.search(rf"\d {units}", joined), re.search(rf".{{20}}\d {units}", joined)
    assert not re.search(r"\w [:;?!](\s|$)", joined), re.search(r".{20}\w [:;?!]", joined)
    html_text = re.sub(r"<[^>]+>", "", report_html(content))
    assert not re.search(rf"\d {units}", html_text)
    assert not re.search(r"\w [:;?!](\s|$)", html_text), re.search(r".{20}\w [:;?!]",
                                                                   html_text)


def gray_page(pdf: Path, page: int, folder: Path) -> np.ndarray:
    """Page ``page`` rendered by pdftoppm at 36 dpi (half a point a pixel), in grey levels."""
    stem = folder / f"p{page}"
    poppler("pdftoppm", "-r", "36", "-gray", "-f", str(page), "-l", str(page), "-singlefile",
            str(pdf), str(stem))
    data = Path(f"{stem}.pgm").read_bytes()
    magic, width, height, maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and maxval == b"255"
    return np.frombuffer(pixels, dtype=np.uint8).reshape(int(height), int(width))


@pytest.mark.parametrize("stem", [p.stem for p in foncier.sample_brief_paths()])
def test_rendered_maps_are_not_blank(pdfs, tmp_path, stem):
    """A blank map is one flat fill but for a few symbols (about 2 % of its area): a drawn one
    shows the communes, the zones and the plots."""
    n_pages = len(page_texts(pdfs[stem]))
    # The maps' inner area, in points: the overview (page 1), every close-up (its sheet).
    areas = [(1, 200, 430, 0.05)] + [(k, 110, 320, 0.15) for k in range(2, n_pages + 1)]
    for page, top, bottom, share in areas:
        grey = gray_page(pdfs[stem], page, tmp_path)
        area = grey[top // 2:bottom // 2, 50 // 2:545 // 2].astype(int)
        mode = np.bincount(area.ravel()).argmax()
        assert area.std() > 6.0, (page, area.std())
        assert (area != mode).mean() > share, (page, (area != mode).mean())
