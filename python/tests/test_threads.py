"""A Mechanism is shared by threads: concurrent runs give the sequential bytes, and the
GIL is released while a mechanism runs, a log verifies and Yuma runs."""

from __future__ import annotations

import asyncio
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import imr

from conftest import REPO, read_json, small_epoch

THREADS = 8


def test_eight_threads_give_the_sequential_bytes(time_series, epoch_files):
    # The states each epoch starts from, computed sequentially.
    inputs, state = [], b""
    for path in epoch_files[:40]:
        epoch = imr.Epoch.from_json(path)
        inputs.append((epoch, state))
        run = time_series.run(epoch, state)
        state = run.state if run.ok else state
    sequential = [time_series.run(e, s).receipt_json for e, s in inputs]

    barrier = threading.Barrier(THREADS)

    def worker(offset: int):
        barrier.wait()
        # Each thread walks the epochs from its own starting point, so that
        # different epochs run at the same time.
        order = [(i + offset * 5) % len(inputs) for i in range(len(inputs))]
        return {i: time_series.run(*inputs[i]).receipt_json for i in order}

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    for t, result in enumerate(results):
        for i, receipt in result.items():
            assert receipt == sequential[i], f"thread {t}, epoch {i}"


def test_asyncio_to_thread_runs_give_the_sequential_bytes(time_series, epoch_files):
    epochs = [imr.Epoch.from_json(p) for p in epoch_files[:THREADS]]
    sequential = [time_series.run(e).receipt_json for e in epochs]

    async def main():
        return await asyncio.gather(*(asyncio.to_thread(time_series.run, e) for e in epochs))

    runs = asyncio.run(main())
    assert [r.receipt_json for r in runs] == sequential


def other_thread_runs_while(call) -> bool:
    """Whether this thread gets to run Python code while `call()` runs in another thread.

    With a huge switch interval the interpreter never takes the GIL from a thread
    that holds it: the main thread can only see `done == False` after the worker
    started `call()` if `call()` released the GIL.
    """
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    started, done = threading.Event(), []
    try:
        def worker():
            started.set()
            call()
            done.append(True)

        t = threading.Thread(target=worker)
        t.start()
        started.wait()
        ran_during_call = not done
        t.join()
        assert done
        return ran_during_call
    finally:
        sys.setswitchinterval(old)


def test_the_gil_is_released_while_a_mechanism_runs(hostile_bytes):
    busy = imr.Mechanism.from_bytes(hostile_bytes, fuel=300_000_000, cache=False)
    epoch = small_epoch({"mode": "loop"})
    assert not busy.run(epoch).ok  # it runs out of fuel: a long, bounded run
    assert other_thread_runs_while(lambda: busy.run(epoch))


def test_the_gil_is_released_while_a_log_verifies(time_series, epoch_files, tmp_path):
    with imr.RunLog.open(tmp_path / "log") as log:
        for path in epoch_files[:30]:
            log.append(time_series, imr.Epoch.from_json(path))
    assert other_thread_runs_while(lambda: imr.verify(tmp_path / "log", jobs=1))


def test_the_gil_is_released_while_yuma_runs():
    state = read_json(REPO / "examples" / "yuma-copier" / "state-yuma3.json")
    assert other_thread_runs_while(lambda: imr.yuma.run(state, epochs=300))
