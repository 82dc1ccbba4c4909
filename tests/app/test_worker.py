"""The generic off-thread worker (gui.worker.LatestWorker): the latest generation wins."""

from __future__ import annotations

import threading

import pytest
from foncier_gui.worker import LatestWorker

import foncier

TIMEOUT = 10_000


@pytest.fixture
def worker(qapp):
    w = LatestWorker()
    yield w
    w.shutdown()


def collect(worker):
    got = {"results": [], "errors": [], "finished": []}
    worker.resultReady.connect(lambda g, t, v: got["results"].append((g, t, v)))
    worker.failed.connect(lambda g, t, m: got["errors"].append((g, t, m)))
    worker.finished.connect(lambda g, t: got["finished"].append((g, t)))
    return got


def test_a_result_reaches_the_gui_thread_after_finished(worker, qtbot):
    got = collect(worker)
    order = []
    worker.finished.connect(lambda *_: order.append("finished"))
    worker.resultReady.connect(lambda *_: order.append("result"))
    seen_thread = []
    with qtbot.waitSignal(worker.resultReady, timeout=TIMEOUT):
        gen = worker.submit(lambda a, b: seen_thread.append(threading.get_ident()) or a + b,
                            2, 3, tag="sum")
    assert got["results"] == [(gen, "sum", 5)]
    assert seen_thread and seen_thread[0] != threading.get_ident()   # off the GUI thread
    assert order == ["finished", "result"]


def test_a_result_of_a_superseded_running_job_is_dropped(worker, qtbot):
    got = collect(worker)
    release = threading.Event()
    started = threading.Event()

    def slow():
        started.set()
        release.wait(TIMEOUT / 1000)
        return "old"

    first = worker.submit(slow)
    assert started.wait(TIMEOUT / 1000)             # the first job runs...
    second = worker.submit(lambda: "new")           # ... when a newer request comes
    release.set()
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT,
                          check_params_cb=lambda g, _t: g == second):
        pass
    assert got["results"] == [(second, "", "new")]
    assert got["finished"] == [(first, ""), (second, "")]


def test_a_superseded_job_not_started_is_skipped(worker, qtbot):
    release = threading.Event()
    calls = []
    worker.submit(lambda: release.wait(TIMEOUT / 1000))
    worker.submit(lambda: calls.append("middle"))   # superseded before it starts
    last = worker.submit(lambda: calls.append("last"))
    release.set()
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT,
                          check_params_cb=lambda g, _t: g == last):
        pass
    assert calls == ["last"]


def test_jobs_of_the_same_generation_all_deliver(worker, qtbot):
    got = collect(worker)
    gen = worker.submit(lambda: 1, tag="first")
    worker.submit(lambda: 2, generation=gen, tag="second")
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT,
                          check_params_cb=lambda _g, t: t == "second"):
        pass
    assert got["results"] == [(gen, "first", 1), (gen, "second", 2)]


def test_errors_carry_the_library_message_or_the_traceback(worker, qtbot):
    got = collect(worker)

    error = foncier.BriefError("min_area_ha : la surface minimale doit être positive.")

    def bad_brief():
        raise error

    with qtbot.waitSignal(worker.failed, timeout=TIMEOUT):
        gen = worker.submit(bad_brief, tag="brief")
    assert got["errors"] == [(gen, "brief", str(error))]         # the message, no traceback
    assert "Traceback" not in got["errors"][0][2]
    with qtbot.waitSignal(worker.failed, timeout=TIMEOUT) as blocker:
        worker.submit(lambda: 1 / 0)
    assert "ZeroDivisionError" in blocker.args[2] and "Traceback" in blocker.args[2]
    assert got["results"] == []


def test_shutdown_waits_and_drops_the_running_result(worker, qtbot):
    got = collect(worker)
    started = threading.Event()
    release = threading.Event()

    def slow():
        started.set()
        release.wait(TIMEOUT / 1000)
        return "late"

    gen = worker.submit(slow)
    assert started.wait(TIMEOUT / 1000)
    release.set()
    worker.shutdown()
    assert worker.wait(0)                           # nothing left running
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT):
        pass                                        # the job's end is still reported...
    assert got["finished"] == [(gen, "")]
    assert got["results"] == []                     # ... but not its result
