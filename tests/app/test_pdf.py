"""The investor PDF (gui.pdf), usable without any window."""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import sys
import textwrap

import pytest
from foncier_gui.pdf import PAGE_SIZE, draw_report, write_investor_pdf
from PySide6.QtGui import QImage, QPainter

import foncier
import foncier.wording
from foncier.errors import OutputError
from foncier.report.content import (
    FOOTER,
    SUMMARY_HEADERS,
    TABLE_HEADERS,
    brief_summary,
    meta_line,
    report_content,
    summary_cells,
)
from foncier.report.html import report_html


def test_pdf_of_the_best_plots_has_a_summary_and_a_sheet_each(qapp, tmp_path, sample_inventory):
    brief = foncier.read_brief(foncier.sample_brief_paths()[0])
    result = foncier.match(sample_inventory, brief)
    out = write_investor_pdf(result, tmp_path / "fiche.pdf", top=8, sheets=3)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/Count 4" in data                          # the summary and 3 site sheets
    assert len(data) > 10_000
    assert list(tmp_path.iterdir()) == [out]            # no temporary file left


def test_a_missing_folder_is_a_clear_error(qapp, tmp_path, sample_inventory):
    result = foncier.match(sample_inventory, foncier.Brief(name="x"))
    with pytest.raises(OutputError, match="n'existe pas"):
        write_investor_pdf(result, tmp_path / "absent" / "fiche.pdf")


def test_works_with_a_bare_gui_application_and_no_widgets(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import foncier
        from foncier_gui.pdf import write_investor_pdf
        res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier",
                                                                    min_area_ha=1))
        out = write_investor_pdf(res, {str(tmp_path / 'cli.pdf')!r}, top=3)
        assert "PySide6.QtWidgets" not in sys.modules, "widgets imported"
        print(out.stat().st_size)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 5_000


def drawn_texts(content) -> list[list[str]]:
    """Draw the report on an A4 image (a real painter) and return the texts drawn, per page."""
    image = QImage(int(PAGE_SIZE.width()), int(PAGE_SIZE.height()),
                   QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(2835)                    # 72 dpi: a point is a pixel, as in the PDF
    image.setDotsPerMeterY(2835)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    try:
        return draw_report(painter, content)
    finally:
        painter.end()


def test_the_pdf_says_what_the_library_report_says(qapp, sample_inventory):
    brief = foncier.read_brief(next(p for p in foncier.sample_brief_paths()
                                    if p.stem == "batteries"))
    result = foncier.match(sample_inventory, brief)
    content = report_content(result, top=10, today=dt.date(2026, 3, 2))
    pages = drawn_texts(content)
    assert len(pages) == 1 + len(content.sheets) == 1 + min(5, len(content.plots))
    first = pages[0]
    assert first[:3] == ["Terrains proposés", content.heading, meta_line(content)]
    assert content.heading == brief.name                 # never « Projet « Projet … » »
    assert [t[2:] for t in first if t.startswith("• ")] == brief_summary(brief)
    assert "Inondation (PPRI) — zone d'interdiction" in " ".join(first)
    assert set(TABLE_HEADERS + SUMMARY_HEADERS) <= set(first)
    page = report_html(content)
    for plot in content.plots:
        cells = summary_cells(content, plot)
        i = first.index(plot.label)                     # a row: rank, plot, place, status...
        assert first[i - 1:i - 1 + len(cells)] == cells
        assert all(html.escape(c) in page for c in cells)   # the HTML says the same
    for k, (texts, sheet) in enumerate(zip(pages[1:], content.sheets, strict=True), start=1):
        assert texts[0] == f"Fiche {k} — {sheet.title}"
        for label, value in sheet.figures:
            i = texts.index(label)
            assert value in texts[i + 1:i + 3]
        i = texts.index("Verdict")                      # the criteria table, row by row
        for label, measured, required, _outcome in sheet.criteria:
            i = texts.index(label, i)
            assert texts[i + 1:i + 3] == [measured, required]
        assert [t[2:] for t in texts if t.startswith("• ")] == sheet.checks
        assert html.escape(sheet.title) in page and all(html.escape(c) in page
                                                        for c in sheet.checks)
    for k, texts in enumerate(pages, start=1):
        assert FOOTER in texts and content.audit.lines()[0] in texts
        assert texts[-1] == f"page {k}/{len(pages)}"


@pytest.mark.parametrize("stem", ["logistique", "atelier"])
def test_the_map_labels_every_shown_plot_once(qapp, sample_inventory, stem):
    brief = foncier.read_brief(next(p for p in foncier.sample_brief_paths() if p.stem == stem))
    content = report_content(foncier.match(sample_inventory, brief), top=10,
                             today=dt.date(2026, 3, 2))
    texts = drawn_texts(content)[0]
    on_map = texts[texts.index("• " + brief_summary(brief)[-1]) + 1:texts.index(TABLE_HEADERS[0])]
    labels = [t for t in on_map if re.fullmatch(r"\d+( · \d+)*", t)]
    # One label per plot, never merged (« 2 · 6 » read as one place).
    assert labels == [str(p.rank) for p in content.plots]
