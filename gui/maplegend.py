"""The legend drawn on the map: what is shown (statuses, zones, constraint layers switched on,
grouped by kind, infrastructure symbols, communes), two or three entries a line, in a compact box
in the map's top-right corner that the user can collapse to its title (▾ button), hide (× button,
or the « Légende sur la carte » action of the view), and that scrolls when the map is too short
for it.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> from foncier_gui.mapview import MapScene
>>> from foncier_gui.model import plot_index_from_source
>>> scene = MapScene(plot_index_from_source(None))
>>> sections = legend_entries(scene)
>>> [title for title, _ in sections]
['Terrains', 'Repères', 'Contraintes', 'Infrastructures']
>>> [text for _, text in sections[0][1]]
['Compatible', 'À vérifier', 'Incompatible']
>>> "Inondation (PPRI)" in [text for _, text in dict(sections)["Contraintes"]]   # one per kind
True
>>> scene.set_layer_visible("infra:port", False)
>>> "Port" in [text for _, rows in legend_entries(scene) for _, text in rows]
False
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from foncier.palette import COMMUNE_LINE_HEX, PAPER_HEX
from foncier.wording import INFRA_LABELS, STATUS_NAMES, constraint_label

from .style import (
    COMMUNE_FILL,
    COMMUNE_PEN,
    INFRA_COLORS,
    SITE_PEN,
    STATUS_COLORS,
    constraint_color,
    infra_icon,
    swatch_icon,
)

__all__ = ["legend_entries", "MapLegend"]

_ICON_PX = 12


def _split_swatch(colors: list[QColor], size: int = _ICON_PX) -> QIcon:
    """A square of several colours side by side (the levels of one constraint kind)."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    inner = QRectF(1.5, 1.5, size - 3, size - 3)
    step = inner.width() / len(colors)
    p.setPen(Qt.PenStyle.NoPen)
    for i, color in enumerate(colors):
        p.setBrush(color)
        p.drawRect(QRectF(inner.left() + i * step, inner.top(), step, inner.height()))
    p.setPen(QPen(colors[-1].darker(140), 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(inner)
    p.end()
    return QIcon(pm)


def legend_entries(scene) -> list[tuple[str, list[tuple[QIcon, str]]]]:
    """The legend of a :class:`~gui.mapview.MapScene`: sections (title, rows of icon and
    text) of the layers shown, in drawing order from the top; constraints one row per kind
    (its levels side by side in the swatch, the interdiction level the darker)."""
    def shown(key: str) -> bool:
        items = scene.layers.get(key)
        return bool(items) and items[0].isVisible()

    size = _ICON_PX
    sections: list[tuple[str, list[tuple[QIcon, str]]]] = []
    if shown("plots"):
        sections.append(("Terrains", [(swatch_icon(STATUS_COLORS[c], size=size),
                                       STATUS_NAMES[c]) for c in (0, 1, 2)]))
    marks = []
    if shown("sites"):
        marks.append((swatch_icon(QColor(0, 0, 0, 0), SITE_PEN.color(), size=size),
                      "Zone d'activité"))
    if shown("communes"):
        marks.append((swatch_icon(COMMUNE_FILL, COMMUNE_PEN.color(), size=size), "Commune"))
    kinds: dict[str, list[QColor]] = {}
    for key in scene.layers:
        if key.startswith("constraint:") and shown(key):
            _, kind, level = key.split(":")
            fill = QColor(constraint_color(kind, level or None))
            fill.setAlpha(140)
            kinds.setdefault(kind, []).append(fill)
    if marks:
        sections.append(("Repères", marks))
    if kinds:
        sections.append(("Contraintes", [
            (_split_swatch(sorted(colors, key=lambda c: -c.lightness())), constraint_label(kind))
            for kind, colors in kinds.items()]))
    infra = [(infra_icon(kind, size=size + 2), INFRA_LABELS[kind]) for kind in INFRA_COLORS
             if shown(f"infra:{kind}")]
    if infra:
        sections.append(("Infrastructures", infra))
    return sections


class MapLegend(QFrame):
    """The legend box over the map (a child of the map's viewport): a title bar (collapse and
    hide buttons) over the sections, two entries a line, in a scroll area capped by
    :meth:`set_max_height`.

    Signals
    -------
    closed()
        The user hid the legend with its × button.
    """

    closed = Signal()
    ICON_PX = _ICON_PX
    #: Entries a line: the three statuses on one, two of anything else.
    COLUMNS = 2
    STATUS_COLUMNS = 3

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mapLegend")
        self.setStyleSheet(
            f"#mapLegend {{ background: {PAPER_HEX}; border: 1px solid {COMMUNE_LINE_HEX};"
            " border-radius: 4px; }"
            " #mapLegend QLabel, #mapLegend QScrollArea, #legendBody"
            " { background: transparent; }")
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.8)
        self.setFont(font)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 2, 4, 6)
        outer.setSpacing(0)
        bar = QHBoxLayout()
        bar.setSpacing(0)
        self.title = QLabel("<b>Légende</b>")
        self.collapse_button = QToolButton(self)
        self.collapse_button.setText("▾")
        self.collapse_button.setAutoRaise(True)
        self.collapse_button.setToolTip("Replier la légende")
        self.collapse_button.clicked.connect(self._toggle)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Masquer la légende")
        self.close_button.clicked.connect(self._close)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.collapse_button)
        bar.addWidget(self.close_button)
        outer.addLayout(bar)
        self.scroll = QScrollArea(self)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidgetResizable(True)
        outer.addWidget(self.scroll)
        self.collapsed = False
        self.texts: list[str] = []
        self._max_height = 10_000
        self._body: QWidget | None = None
        self.set_sections([])

    #: Whether the user folded or unfolded the legend (then the map no longer does it).
    user_folded: bool | None = None

    def _toggle(self) -> None:
        self.user_folded = not self.collapsed
        self.set_collapsed(self.user_folded)

    def fold_for(self, area: int) -> None:
        """Fold the legend when unfolded it would cover more than a fifth of a map of this
        many pixels (unless the user chose)."""
        if self.user_folded is not None or self._body is None:
            return
        body = self._body.sizeHint()
        self.set_collapsed(body.width() * body.height() > 0.2 * area)

    def _close(self) -> None:
        self.hide()
        self.closed.emit()

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold the legend to its title bar, or unfold it."""
        self.collapsed = collapsed
        self.scroll.setVisible(not collapsed)
        self.collapse_button.setText("▸" if collapsed else "▾")
        self.collapse_button.setToolTip("Déplier la légende" if collapsed
                                        else "Replier la légende")
        self.fit()

    def set_max_height(self, height: int) -> None:
        """The tallest the legend may be (it scrolls beyond)."""
        self._max_height = max(int(height), 60)
        self.fit()

    def set_sections(self, sections) -> None:
        """Show sections of (title, rows of (icon, text)); the box is sized to them at once
        (built in a new body widget, laid out before it is shown)."""
        body = QWidget()
        body.setObjectName("legendBody")
        body.setFont(self.font())
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(1)
        row = 0
        self.texts = []
        span = 2 * max(self.COLUMNS, self.STATUS_COLUMNS)
        font = self.font()
        bold = self.font()
        bold.setBold(True)
        for heading, rows in sections:
            label = QLabel(heading, body)
            label.setFont(bold)
            grid.addWidget(label, row, 0, 1, span)
            row += 1
            columns = self.STATUS_COLUMNS if heading == "Terrains" else self.COLUMNS
            for i, (icon, text) in enumerate(rows):
                r, c = row + i // columns, 2 * (i % columns)
                pic = QLabel(body)
                pic.setPixmap(icon.pixmap(QSize(self.ICON_PX + 2, self.ICON_PX + 2)))
                grid.addWidget(pic, r, c)
                last = c + 2 >= 2 * columns
                entry = QLabel(text, body)
                entry.setFont(font)
                grid.addWidget(entry, r, c + 1, 1, span - c - 1 if last else 1)
                self.texts.append(text)
            row += (len(rows) + columns - 1) // columns
        grid.setColumnStretch(span - 1, 1)
        grid.activate()
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll.setWidget(body)
        self._body = body
        self.fit()

    def fit(self) -> None:
        """Size the box to its content, within the maximum height (then it scrolls)."""
        bar = self.layout().itemAt(0).sizeHint()
        margins = self.layout().contentsMargins()
        frame = self.contentsMargins()                   # the border of the style sheet
        chrome_h = (bar.height() + margins.top() + margins.bottom() + frame.top()
                    + frame.bottom())
        if self._body is not None:
            self._body.ensurePolished()
            self._body.layout().activate()
        body = self._body.sizeHint() if self._body is not None else QSize(0, 0)
        height = chrome_h + (0 if self.collapsed else body.height())
        scroll_w = 0
        if height > self._max_height and not self.collapsed:
            height = self._max_height
            scroll_w = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent) + 2
        width = (max(bar.width(), body.width() + scroll_w) + margins.left() + margins.right()
                 + frame.left() + frame.right())
        self.setFixedSize(width, height)
