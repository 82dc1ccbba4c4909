"""Work off the GUI thread: opening inventories and matching, stale results dropped.

:class:`LatestWorker` is the one mechanism: it runs any callable in a thread of its own pool
(one at a time, in order) under a *generation* number. Each new request renews the generation;
a job whose generation is no longer the latest is skipped if it has not started, and its result
or error is dropped if it has, so the views never go back in time. Results and errors reach the
GUI thread through queued signals.

Two users, each a thin policy over it:

:class:`MatchRunner`: a single-shot timer waits for the filters to settle (``delay_ms``), then
the worker runs :func:`gui.model.view_from_match`. While a match runs, newer requests wait (only
the latest is kept and run next).

:class:`InventoryOpener`: the worker opens the inventory and computes the views' data
(:func:`gui.model.plot_index_from_source`, or waits for an opening already started) and hands
it over; when asked (its ``precompute``, which the window calls once the map is painted) it
precomputes the plot geometry the first match needs (a second job of the same generation). A
newer request supersedes an older one: its jobs not started are skipped and its results are
never handed over.

Examples
--------
>>> from PySide6.QtCore import QCoreApplication, QEventLoop
>>> app = QCoreApplication.instance() or QCoreApplication([])
>>> worker = LatestWorker()
>>> got, loop = [], QEventLoop()
>>> _ = worker.resultReady.connect(lambda gen, tag, value: got.append((gen, tag, value)))
>>> _ = worker.finished.connect(lambda gen, tag: loop.quit() if gen == 2 else None)
>>> worker.submit(sum, [1, 2]), worker.submit(sum, [3, 4], tag="second")  # the 1st is stale
(1, 2)
>>> _ = loop.exec()
>>> got
[(2, 'second', 7)]
>>> worker.shutdown()
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

import foncier

from .model import MatchView, PlotIndex, plot_index_from_source, view_from_match

__all__ = ["LatestWorker", "MatchRunner", "InventoryOpener"]


class _TaskSignals(QObject):
    """From a pool thread to the worker's (GUI) thread: (generation, tag, outcome, value) with
    outcome ``done`` (value: the result), ``failed`` (value: the message) or ``skipped``."""

    ended = Signal(int, str, str, object)


class _Task(QRunnable):
    """One callable run in a pool thread for one generation of a :class:`LatestWorker`."""

    def __init__(self, worker: LatestWorker, generation: int, tag: str,
                 fn: Callable[..., Any], args: tuple):
        super().__init__()
        self.setAutoDelete(True)
        self._worker = worker           # read only (its latest generation) from the pool thread
        self._signals = worker._signals
        self._generation = generation
        self._tag = tag
        self._fn = fn
        self._args = args

    def run(self) -> None:  # runs in a pool thread
        generation, tag = self._generation, self._tag
        if not self._worker.is_latest(generation):   # a newer request came while this waited
            self._signals.ended.emit(generation, tag, "skipped", None)
            return
        try:
            value = self._fn(*self._args)
        except foncier.FoncierError as exc:
            self._signals.ended.emit(generation, tag, "failed", str(exc))
        except Exception:  # a bug must reach the user, not kill the thread silently
            self._signals.ended.emit(generation, tag, "failed", traceback.format_exc())
        else:
            self._signals.ended.emit(generation, tag, "done", value)


class LatestWorker(QObject):
    """Runs callables off the GUI thread, one at a time; the latest generation wins.

    Signals
    -------
    resultReady(int, str, object)
        The generation, tag and return value of a job of the latest generation.
    failed(int, str, str)
        The generation, tag and error message of a job of the latest generation (the library's
        message for a :class:`foncier.FoncierError`, else the traceback).
    finished(int, str)
        The generation and tag of every job submitted, once it ran or was skipped as stale;
        its :attr:`resultReady` or :attr:`failed` follows when its generation is still the
        latest.
    """

    resultReady = Signal(int, str, object)
    failed = Signal(int, str, str)
    finished = Signal(int, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _TaskSignals(self)
        self._signals.ended.connect(self._on_ended)
        self.generation = 0
        self.closed = False

    def renew(self) -> int:
        """Start a new generation (every earlier one becomes stale); returns its number."""
        self.generation += 1
        return self.generation

    def is_latest(self, generation: int) -> bool:
        """Whether a generation's results are still wanted."""
        return generation == self.generation and not self.closed

    def submit(self, fn: Callable[..., Any], *args: Any, generation: int | None = None,
               tag: str = "") -> int:
        """Run ``fn(*args)`` in the pool under ``generation`` (a new one by default, which makes
        every earlier job stale); returns the generation."""
        if generation is None:
            generation = self.renew()
        self._pool.start(_Task(self, generation, tag, fn, args))
        return generation

    def _on_ended(self, generation: int, tag: str, outcome: str, value: object) -> None:
        self.finished.emit(generation, tag)
        if not self.is_latest(generation):
            return                          # stale: dropped
        if outcome == "done":
            self.resultReady.emit(generation, tag, value)
        elif outcome == "failed":
            self.failed.emit(generation, tag, value)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the running job (if any) and the queued ones to finish."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Drop every result from now on and wait for the running job (on window close)."""
        self.closed = True
        self._pool.waitForDone()


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
        self._worker = LatestWorker(self)
        self._worker.resultReady.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.finished.connect(self._finish)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._launch_pending)
        self._index: PlotIndex | None = None
        self._pending: foncier.Brief | None = None
        self._running = False

    @property
    def generation(self) -> int:
        """The latest request's number."""
        return self._worker.generation

    @property
    def busy(self) -> bool:
        return self._running or self._timer.isActive() or self._pending is not None

    def set_index(self, index: PlotIndex) -> None:
        """Match against another inventory from now on."""
        self._index = index

    def request(self, brief: foncier.Brief, *, immediate: bool = False) -> int:
        """Ask for a match of ``brief``; returns its generation number."""
        generation = self._worker.renew()
        self._pending = brief
        was_busy = self._running or self._timer.isActive()
        if immediate:
            self._timer.stop()
            self._launch_pending()
        else:
            self._timer.start()
        if not was_busy:
            self.busyChanged.emit(True)
        return generation

    def _launch_pending(self) -> None:
        if self._running or self._pending is None or self._index is None \
                or self._worker.closed:
            return
        brief, self._pending = self._pending, None
        self._running = True
        generation = self._worker.generation
        self.started.emit(generation)
        self._worker.submit(view_from_match, self._index, brief, generation,
                            generation=generation)

    def _finish(self, *_: object) -> None:
        self._running = False
        if self._pending is not None and not self._timer.isActive():
            self._launch_pending()
        if not self.busy:
            self.busyChanged.emit(False)

    def _on_done(self, _generation: int, _tag: str, view: MatchView) -> None:
        self.resultReady.emit(view)

    def _on_failed(self, _generation: int, _tag: str, message: str) -> None:
        self.failed.emit(message)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the running worker (if any) to finish."""
        return self._worker.wait(msecs)

    def shutdown(self) -> None:
        """Stop accepting work and wait for the running worker (on window close)."""
        self._timer.stop()
        self._pending = None
        self._worker.shutdown()


def _precompute_geometry(index: PlotIndex) -> PlotIndex:
    index.ensure_geometry()
    return index


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

    _OPEN, _GEOMETRY = "open", "geometry"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker = LatestWorker(self)
        self._worker.resultReady.connect(self._on_result)
        self._worker.failed.connect(self._on_failed)
        self._waiting: int | None = None        # the generation not opened yet
        self._last: PlotIndex | None = None     # the latest request's index, once opened

    @property
    def generation(self) -> int:
        """The latest request's number."""
        return self._worker.generation

    @property
    def closed(self) -> bool:
        return self._worker.closed

    @property
    def busy(self) -> bool:
        return self._waiting is not None

    def request(self, source, *, prefetched: Future | None = None) -> int:
        """Open ``source`` (None for the bundled sample) in the background; returns the
        request's generation number. Any earlier request is superseded.

        ``prefetched``: the future of that same opening already started elsewhere (the app's
        start reads the inventory while Qt and the window load, :func:`gui.app.run`); its
        outcome is handed over as if this worker had opened it.
        """
        was_busy = self.busy
        if prefetched is not None:
            self._waiting = self._worker.submit(Future.result, prefetched, tag=self._OPEN)
        else:
            self._waiting = self._worker.submit(plot_index_from_source, source, tag=self._OPEN)
        if not was_busy:
            self.busyChanged.emit(True)
        return self._waiting

    def cancel(self) -> None:
        """Drop every request made so far (their results will not be handed over)."""
        self._worker.renew()
        self._set_done()

    def _set_done(self) -> None:
        if self._waiting is not None:
            self._waiting = None
            self.busyChanged.emit(False)

    def _on_result(self, generation: int, tag: str, index: PlotIndex) -> None:
        if tag == self._OPEN:
            self._set_done()
            self._last = index
            self.opened.emit(index)
        else:
            self.geometryReady.emit(index)

    def precompute(self, index: PlotIndex) -> None:
        """Compute the plot geometry of the latest opened inventory in the background (the
        window asks once its first map is painted: the work would slow that frame down);
        :attr:`geometryReady` follows. Nothing happens if another inventory was asked since."""
        if index is self._opened_index():
            self._worker.submit(_precompute_geometry, index, generation=self.generation,
                                tag=self._GEOMETRY)

    def _opened_index(self) -> PlotIndex | None:
        return self._last if self._waiting is None and not self.closed else None

    def _on_failed(self, _generation: int, tag: str, message: str) -> None:
        if tag == self._OPEN:
            self._set_done()
            self.failed.emit(message)
        # A failed geometry step is left to the first match, which computes it again and
        # reports it.

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the running job (if any) to finish."""
        return self._worker.wait(msecs)

    def shutdown(self) -> None:
        """Drop every request and wait for the running job (on window close)."""
        self.cancel()
        self._worker.shutdown()
