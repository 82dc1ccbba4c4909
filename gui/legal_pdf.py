"""The legal inventory's documents as PDF: consultation letters and adopted zone inventories.

The library builds each document as data and as HTML (:mod:`foncier.legal.documents`); here that
HTML is laid out by a QTextDocument on A4 pages and printed with QPdfWriter: the territory's
profile (organisation and contact) at the top of every page, « page n sur N » at the bottom, the
PDF's title, author (the organisation), subject and creator set, fonts embedded (Qt embeds the
subset of DejaVu Sans the text uses). :func:`write_legal_pdf` needs only a QGuiApplication (it
creates one when none exists and never a second one), so the command line can call it through
:mod:`foncier.cli.app` without any window.

Examples
--------
>>> import tempfile, pathlib
>>> content = {"title": "Essai", "sender": ["Agence"], "recipient": [], "date": "Le 1er mars",
...            "paragraphs": ["Bonjour."], "tables": []}
>>> out = write_legal_pdf(content, pathlib.Path(tempfile.mkdtemp()) / "essai.pdf")
>>> out.read_bytes()[:5]
b'%PDF-'
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFontMetricsF,
    QPainter,
    QTextDocument,
)

from foncier.legal.documents import table_rows_html

from .pdfpage import A4, font, write_pdf
from .style import INK_COLOR, MUTED_COLOR, RULE_COLOR, ZEBRA_COLOR

__all__ = ["write_legal_pdf", "document_html", "PAGE"]

#: A4 in points (the writer's resolution is 72 dpi).
PAGE = A4
_MARGIN = 56.0        # 2 cm
_HEAD = 46.0          # the profile's header band
_FOOT = 40.0          # the page number band

# What QTextDocument's rich text understands (no border-collapse, borders set on the table).
_CSS = (f"body{{font-family:'DejaVu Sans';font-size:9.5pt;color:{INK_COLOR.name()}}}"
        f"th{{background-color:{ZEBRA_COLOR.name()};font-weight:bold;text-align:left}}"
        "td,th{padding:3px}")


_H1 = "font-size:14px;font-weight:bold;margin-top:12px;margin-bottom:10px"
_P = "margin-top:0;margin-bottom:7px"


def _td(cell) -> str:
    """A cell; an identifier (no space: unit, cadastral reference, SIRET) never breaks."""
    from html import escape

    text = str(cell)
    nowrap = ' style="white-space:nowrap"' if " " not in text.strip() else ""
    return f"<td{nowrap}>{escape(text)}</td>"


def document_html(content: dict) -> str:
    """A document's content as the rich text QTextDocument lays out (escaped, French)."""
    from html import escape as e

    parts = [f'<html lang="fr"><head><meta charset="utf-8"><title>{e(content["title"])}'
             "</title></head><body>"]
    sender = content.get("sender") or []
    recipient = content.get("recipient") or []
    if sender or recipient:
        left = "<br>".join(e(x) for x in sender[1:]) if len(sender) > 1 else ""
        if sender:
            left = f"<b>{e(sender[0])}</b>" + (f"<br>{left}" if left else "")
        right = "<br>".join(e(x) for x in recipient)
        parts.append('<table width="100%" cellspacing="0" cellpadding="0"><tr>'
                     f'<td width="55%">{left}</td><td width="45%">{right}</td></tr></table>')
    if content.get("date"):
        parts.append(f'<p align="right" style="margin-top:14pt">{e(content["date"])}</p>')
    parts.append(f'<p style="{_H1}">{e(content["title"])}</p>')
    parts += [f'<p style="{_P}">{e(p)}</p>' for p in content["paragraphs"]]
    for table in content["tables"]:
        parts.append(f'<p style="margin-top:10px;margin-bottom:4px"><b>{e(table["caption"])}'
                     "</b></p>")
        parts.append('<table width="100%" border="1" cellspacing="0" cellpadding="3" '
                     f'style="border-color:{RULE_COLOR.name()};border-style:solid"><thead><tr>'
                     + "".join(f"<th>{e(h)}</th>" for h in table["header"])
                     + "</tr></thead>")   # a header row repeated on every page
        parts += table_rows_html(table, _td)
        parts.append("</table>")
    parts.append('<p style="margin:0"></p>')
    parts += [f'<p style="{_P}">{e(p)}</p>' for p in content.get("closing", [])]
    parts.append("</body></html>")
    return "\n".join(parts)


def _header_footer(painter: QPainter, lines: list[str], page: int, pages: int) -> None:
    painter.save()
    painter.setPen(MUTED_COLOR)
    painter.setFont(font(7.5))
    text = "  ·  ".join(x for x in lines if x)
    text = QFontMetricsF(painter.font()).elidedText(text, Qt.TextElideMode.ElideRight,
                                                    PAGE.width() - 2 * _MARGIN)
    painter.drawText(QRectF(_MARGIN, 18, PAGE.width() - 2 * _MARGIN, 16),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
    painter.setPen(RULE_COLOR)
    painter.drawLine(QPointF(_MARGIN, 36), QPointF(PAGE.width() - _MARGIN, 36))
    painter.setPen(MUTED_COLOR)
    painter.drawText(QRectF(_MARGIN, PAGE.height() - 30, PAGE.width() - 2 * _MARGIN, 14),
                     int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                     f"page {page} sur {pages}")
    painter.restore()


def write_legal_pdf(content: dict, path: str | os.PathLike, *, profile=None) -> Path:
    """Write one legal document (a letter or a zone's adopted inventory) as an A4 PDF.

    Parameters
    ----------
    content : dict
        The document as :func:`foncier.legal.documents.letter_content` or
        :func:`~foncier.legal.documents.adopted_content` build it.
    path : path
        The PDF to write (atomically: a temporary file beside it, then renamed).
    profile : TerritoryProfile, optional
        The sender, on every page's header and as the PDF's author; else the document's sender.

    Returns
    -------
    Path
        The file written.
    """
    head = [profile.organisation, profile.territory,
            f"Tél.\u00a0: {profile.phone}" if profile.phone else "", profile.email] \
        if profile is not None else list(content.get("sender") or [])[:1]

    def paint(painter: QPainter, writer) -> None:
        doc, body = _layout(content, writer)
        _paint_pages(painter, doc, body, head, max(1, doc.pageCount()), writer.newPage)

    return write_pdf(path, paint, title=content["title"], author=head[0] if head else "",
                     creator="foncier — inventaire des zones d'activité (art. L318-8-2)")


def _layout(content: dict, device) -> tuple[QTextDocument, QSizeF]:
    """The document laid out on the PDF's own resolution (points are points), in A4 pages."""
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDefaultFont(font(9.5))
    doc.setDefaultStyleSheet(_CSS)
    doc.setDocumentMargin(0)
    doc.setHtml(document_html(content))
    body = QSizeF(PAGE.width() - 2 * _MARGIN, PAGE.height() - _HEAD - _FOOT - 24)
    doc.setPageSize(body)
    return doc, body


def _paint_pages(painter: QPainter, doc: QTextDocument, body: QSizeF, head: list[str],
                 pages: int, new_page) -> None:
    layout = doc.documentLayout()
    for page in range(pages):
        if page:
            new_page()
        _header_footer(painter, head, page + 1, pages)
        painter.save()
        painter.translate(_MARGIN, _HEAD + 4 - page * body.height())
        clip = QRectF(0, page * body.height(), body.width(), body.height())
        painter.setClipRect(clip)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.clip = clip
        ctx.palette.setColor(ctx.palette.ColorRole.Text, INK_COLOR)
        layout.draw(painter, ctx)
        painter.restore()
