"""Work off the GUI thread: opening inventories and matching, stale results dropped.

:class:`MatchRunner`: each request gets a generation number. A single-shot timer waits for the
filters to settle (``delay_ms``), then one worker of a QThreadPool runs
:func:`gui.model.view_from_match`. While a worker runs, newer requests wait (only the latest is
kept); a result whose generation is older than the latest request is dropped, so the view never
goes back in time.

:class:`InventoryOpener`: each open request gets a generation number too. A worker opens the
inventory and computes the views' data (:func:`gui.model.plot_index_from_source`), hands it over,
then precomputes the plot geometry the first match needs. A newer request supersedes an older
one: the older job stops at its next step and its result is never handed over.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

import foncier

from .model import MatchView, PlotIndex, plot_index_from_source, view_from_match

__all__ = ["MatchRunner", "InventoryOpener"]


class _Signals(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)


class _Job(QRunnable):
    def __init__(self, index: PlotIndex, brief: foncier.Brief, generation: int,
                 signals: _Signals):
        super().__init__()
        self.setAutoDelete(True)
        self._args = (index, brief, generation)
        self._signals = signals

    def run(self) -> None:  # runs in a pool thread
        index, brief, generation = self._args
        try:
            view = view_from_match(index, brief, generation)
        except foncier.FoncierError as exc:
            self._signals.failed.emit(generation, str(exc))
        except Exception:  # a bug must reach the user, not kill the thread silently
            self._signals.failed.emit(generation, traceback.format_exc())
        else:
            self._signals.done.emit(generation, view)


class MatchRunner(QObject):
    """Runs matches in the background for the latest brief.

    Signals
    -------
    started(int)
        A worker started on that generation.
    resultReady(object)
        A :class:`~gui.model.MatchView` of the latest generation.
    failed(str)
        The latest generation's error message.
    busyChanged(bool)
    """

    started = Signal(int)
    resultReady = Signal(object)
    failed = Signal(str)
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, delay_ms: int = 250):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._launch_pending)
        self.generation = 0
        self._index: PlotIndex | None = None
        self._pending: foncier.Brief | None = None
        self._running = False
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._running or self._timer.isActive() or self._pending is not None

    def set_index(self, index: PlotIndex) -> None:
        """Match against another inventory from now on."""
        self._index = index

    def request(self, brief: foncier.Brief, *, immediate: bool = False) -> int:
        """Ask for a match of ``brief``; returns its generation number."""
        self.generation += 1
        self._pending = brief
        was_busy = self._running or self._timer.isActive()
        if immediate:
            self._timer.stop()
            self._launch_pending()
        else:
            self._timer.start()
        if not was_busy:
            self.busyChanged.emit(True)
        return self.generation

    def _launch_pending(self) -> None:
        if self._running or self._pending is None or self._index is None or self._closed:
            return
        brief, self._pending = self._pending, None
        self._running = True
        self.started.emit(self.generation)
        self._pool.start(_Job(self._index, brief, self.generation, self._signals))

    def _finish(self) -> None:
        self._running = False
        if self._pending is not None and not self._timer.isActive():
            self._launch_pending()
        if not self.busy:
            self.busyChanged.emit(False)

    def _on_done(self, generation: int, view: MatchView) -> None:
        latest = generation == self.generation
        self._finish()
        if latest and not self._closed:
            self.resultReady.emit(view)

    def _on_failed(self, generation: int, message: str) -> None:
        latest = generation == self.generation
        self._finish()
        if latest and not self._closed:
            self.failed.emit(message)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the running worker (if any) to finish."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Stop accepting work and wait for the running worker (on window close)."""
        self._closed = True
        self._timer.stop()
        self._pending = None
        self._pool.waitForDone()


class _OpenSignals(QObject):
    opened = Signal(int, object)
    failed = Signal(int, str)
    geometryReady = Signal(int)


class _OpenJob(QRunnable):
    def __init__(self, source, generation: int, opener: InventoryOpener):
        super().__init__()
        self.setAutoDelete(True)
        self._source = source
        self._generation = generation
        self._opener = opener               # read only (its latest generation) from this thread
        self._signals = opener._signals

    def _superseded(self) -> bool:
        return self._opener.generation != self._generation or self._opener.closed

    def run(self) -> None:  # runs in a pool thread
        generation = self._generation
        if self._superseded():              # a newer request came while this one waited
            return
        try:
            index = plot_index_from_source(self._source)
        except foncier.FoncierError as exc:
            self._signals.failed.emit(generation, str(exc))
            return
        except Exception:  # a bug must reach the user, not kill the thread silently
            self._signals.failed.emit(generation, traceback.format_exc())
            return
        if self._superseded():
            return
        self._signals.opened.emit(generation, index)
        try:
            index.ensure_geometry()
        except Exception:  # noqa: BLE001 - the first match computes it again and reports it
            return
        self._signals.geometryReady.emit(generation)


class InventoryOpener(QObject):
    """Opens inventories in the background, the latest request only.

    Signals
    -------
    opened(object)
        The :class:`~gui.model.PlotIndex` of the latest request's inventory.
    failed(str)
        The latest request's error message (the library's, for a bad source).
    geometryReady(object)
        The plot geometry of that inventory is computed (the first match needs it).
    busyChanged(bool)
        True from a request until its inventory is opened or has failed.
    """

    opened = Signal(object)
    failed = Signal(str)
    geometryReady = Signal(object)
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _OpenSignals(self)
        self._signals.opened.connect(self._on_opened)
        self._signals.failed.connect(self._on_failed)
        self._signals.geometryReady.connect(self._on_geometry)
        self.generation = 0
        self.closed = False
        self._waiting: int | None = None        # the generation not opened yet
        self._index: PlotIndex | None = None    # the latest opened, until its geometry is ready

    @property
    def busy(self) -> bool:
        return self._waiting is not None

    def request(self, source) -> int:
        """Open ``source`` (None for the bundled sample) in the background; returns the
        request's generation number. Any earlier request is superseded."""
        self.generation += 1
        was_busy = self.busy
        self._waiting = self.generation
        self._index = None
        self._pool.start(_OpenJob(source, self.generation, self))
        if not was_busy:
            self.busyChanged.emit(True)
        return self.generation

    def cancel(self) -> None:
        """Drop every request made so far (their results will not be handed over)."""
        self.generation += 1
        self._index = None
        self._set_done()

    def _set_done(self) -> None:
        if self._waiting is not None:
            self._waiting = None
            self.busyChanged.emit(False)

    def _latest(self, generation: int) -> bool:
        return generation == self.generation and not self.closed

    def _on_opened(self, generation: int, index: PlotIndex) -> None:
        if self._latest(generation):
            self._index = index
            self._set_done()
            self.opened.emit(index)

    def _on_failed(self, generation: int, message: str) -> None:
        if self._latest(generation):
            self._set_done()
            self.failed.emit(message)

    def _on_geometry(self, generation: int) -> None:
        if self._latest(generation) and self._index is not None:
            index, self._index = self._index, None
            self.geometryReady.emit(index)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the running job (if any) to finish."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Drop every request and wait for the running job (on window close)."""
        self.closed = True
        self.cancel()
        self._pool.waitForDone()
