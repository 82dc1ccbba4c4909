"""The investor PDF (gui.pdf), usable without any window."""

from __future__ import annotations

import datetime as dt
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
    ALL_PASS,
    FOOTER,
    TABLE_HEADERS,
    brief_summary,
    meta_line,
    report_content,
)


def test_one_page_pdf_of_the_best_plots(qapp, tmp_path, sample_inventory):
    brief = foncier.read_brief(foncier.sample_brief_paths()[0])
    result = foncier.match(sample_inventory, brief)
    out = write_investor_pdf(result, tmp_path / "fiche.pdf", top=8)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/Count 1" in data
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


def drawn_texts(content) -> list[str]:
    """Draw the report on an A4 image (a real painter) and return the texts drawn."""
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
    texts = drawn_texts(content)
    assert texts[:3] == ["Terrains proposés", f"Projet « {brief.name} »", meta_line(content)]
    assert [t[2:] for t in texts if t.startswith("• ")] == brief_summary(brief)
    assert "Inondation (PPRI) — zone d'interdiction" in " ".join(texts)
    assert set(TABLE_HEADERS) <= set(texts)
    for plot in content.plots:
        i = texts.index(plot.plot_id)                  # a row: rank, plot, place, status...
        rank, place, status, score, figures, reasons = (texts[i - 1], *texts[i + 1:i + 6])
        assert (rank, place, status) == (str(plot.rank), plot.place, plot.status_label)
        assert score == foncier.wording.fmt_number(plot.score, 0)
        full = " · ".join(f"{k} : {v.replace(' ', chr(160))}" for k, v in plot.figures)
        assert figures == full                          # the key figures fit their cell
        why = " ; ".join(plot.reasons) or ALL_PASS
        assert why.startswith(reasons.removesuffix(" …"))
    assert texts[-1] == FOOTER


@pytest.mark.parametrize("stem", ["logistique", "atelier"])
def test_the_map_labels_every_shown_plot_once_grouping_close_ones(qapp, sample_inventory, stem):
    brief = foncier.read_brief(next(p for p in foncier.sample_brief_paths() if p.stem == stem))
    content = report_content(foncier.match(sample_inventory, brief), top=10,
                             today=dt.date(2026, 3, 2))
    texts = drawn_texts(content)
    on_map = texts[texts.index("• " + brief_summary(brief)[-1]) + 1:texts.index(TABLE_HEADERS[0])]
    labels = [t for t in on_map if re.fullmatch(r"\d+( · \d+)*", t)]
    ranks = sorted(int(r) for t in labels for r in t.split(" · "))
    assert ranks == [p.rank for p in content.plots]
    assert any(" · " in t for t in labels)          # the sample's close plots share a label
