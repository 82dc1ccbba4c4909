"""Matching off the GUI thread: debounced requests, numbered runs, stale results dropped.

Each request gets a generation number. A single-shot timer waits for the filters to settle
(``delay_ms``), then one worker of a QThreadPool runs :func:`gui.model.view_from_match`. While a
worker runs, newer requests wait (only the latest is kept); a result whose generation is older than
the latest request is dropped, so the view never goes back in time.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

import foncier

from .model import MatchView, PlotIndex, view_from_match

__all__ = ["MatchRunner"]


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
