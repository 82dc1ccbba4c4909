"""The investor PDF (gui.pdf), usable without any window."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import foncier
from foncier.errors import OutputError
from gui.pdf import write_investor_pdf


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
        from gui.pdf import write_investor_pdf
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
