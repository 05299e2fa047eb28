"""Where tasks run: a local process pool, or a Dask cluster through its ``concurrent.futures`` executor.

The sweep engine only sees a :class:`concurrent.futures.Executor`, so the same experiment runs on a
laptop (``ProcessPoolExecutor``), on a local Dask cluster (``--dask-local``) or on any Dask scheduler
(``--scheduler tcp://host:8786``, e.g. started by dask-jobqueue on SLURM or PBS).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

from computemarket.errors import MachineError
from computemarket.experiments.spec import ExperimentError
from computemarket.options import MAX_WORKERS
from computemarket.store.files import pid_alive

# Imported once by the fork server, so each worker process starts with the model already loaded.
_PRELOAD = ["computemarket.experiments.worker", "computemarket.simulation.runner"]


@dataclass
class ExecutorHandle:
    """An open executor and what the engine needs to drive it.

    Attributes:
        executor: Where tasks are submitted.
        description: Says where tasks run, for the progress line and the manifest.
        slots: How many tasks can run at once (0 if unknown yet, e.g. an empty Dask cluster).
        abort: Stops running tasks at once (a second Ctrl-C).
    """

    executor: Executor
    description: str
    slots: int
    abort: Callable[[], None]


def default_workers() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _watch_driver(pid: int) -> None:
    while True:
        time.sleep(1.0)
        if not pid_alive(pid):
            os._exit(70)  # the driver was killed: a half-done task is redone by --resume


def _init_worker(driver_pid: int) -> None:
    """Worker initializer: leave Ctrl-C to the driver, and exit if the driver is killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_watch_driver, args=(driver_pid,), name="watch-driver", daemon=True
    ).start()


def _process_context() -> multiprocessing.context.BaseContext:
    # Not fork: the driver has threads (progress bar, Dask), and forking a threaded process can deadlock.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[ExecutorHandle]:
    """A ``ProcessPoolExecutor`` with ``workers`` processes."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_process_context(),
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )

    def abort() -> None:
        # The stdlib has no public way to stop running work before Python 3.14's terminate_workers().
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    try:
        yield ExecutorHandle(
            pool, f"process pool, {workers} worker{'s' * (workers != 1)}", workers, abort
        )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes start, so they inherit the ignoring (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def dask_executor(
    *, scheduler: str | None = None, workers: int | None = None
) -> Iterator[ExecutorHandle]:
    """A Dask distributed client's executor: on ``scheduler``, or on a new ``LocalCluster``.

    Raises:
        ExperimentError: If Dask distributed is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        option = "--scheduler" if scheduler else "--dask-local"
        raise ExperimentError(
            f"{option}: needs Dask distributed; install it with pip install 'computemarket[cluster]'"
        ) from None
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            n = workers or default_workers()
            with _sigint_ignored():  # inherited by the worker processes: Ctrl-C is the driver's
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=n,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,  # not the cancelled-task warnings of a Ctrl-C
                    )
                )
            where = f"Dask LocalCluster, {n} worker{'s' * (n != 1)}"
            target = cluster
        else:
            where, target = f"Dask scheduler {scheduler}", scheduler
        if scheduler is not None:
            check_scheduler_reachable(scheduler)
        try:
            client = stack.enter_context(Client(target, timeout=CONNECT_TIMEOUT))
        except (OSError, TimeoutError) as err:
            option = f"--scheduler {scheduler}" if scheduler else "--dask-local"
            raise MachineError(
                f"{option}: cannot connect ({err.__class__.__name__}: {' '.join(str(err).split())})"
            ) from None
        slots = sum(client.nthreads().values())
        executor = client.get_executor(pure=False)

        def abort() -> None:
            executor.shutdown(wait=False)
            with contextlib.suppress(Exception):
                client.cancel(list(client.futures.values()), force=True)

        try:
            yield ExecutorHandle(executor, f"{where} ({slots} threads)", slots, abort)
        finally:
            executor.shutdown(wait=True)


CONNECT_TIMEOUT = "30s"
"""How long Dask may take to connect to a scheduler that answers."""
PROBE_TIMEOUT_S = 10.0
"""How long to wait for a scheduler's port to answer before giving up (no folder is made first)."""
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def scheduler_host_port(address: str) -> tuple[str, str, int]:
    """The scheme, host and port of a Dask scheduler address such as ``tcp://10.0.0.5:8786``.

    Raises:
        ExperimentError: If the address is not one (e.g. no port, an unknown scheme).
    """
    example = "expected an address such as tcp://10.0.0.5:8786"
    scheme, _, rest = address.rpartition("://")
    scheme = scheme or "tcp"
    if scheme not in SCHEDULER_SCHEMES:
        raise ExperimentError(
            f"--scheduler {address!r}: unknown scheme {scheme!r} ({example}; schemes: "
            f"{', '.join(SCHEDULER_SCHEMES)})"
        )
    host, sep, port = rest.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536 or " " in host:
        raise ExperimentError(f"--scheduler {address!r}: not a scheduler address ({example})")
    return scheme, host, int(port)


def check_scheduler_reachable(address: str) -> None:
    """Check that a scheduler's port answers, before anything is written.

    Raises:
        ExperimentError: If the host name is unknown.
        MachineError: If nothing answers at the address.
    """
    scheme, host, port = scheduler_host_port(address)
    if scheme not in ("tcp", "tls"):
        return  # other transports are left to Dask
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
    except socket.gaierror:
        raise ExperimentError(f"--scheduler {address}: unknown host {host!r}") from None
    except OSError as err:
        why = err.strerror or type(err).__name__
        raise MachineError(
            f"--scheduler {address}: nothing answers at {host}:{port} ({why}); is the scheduler "
            "running (dask scheduler) and the port open?"
        ) from None


def check_executor_options(*, workers: int | None, scheduler: str | None, dask_local: bool) -> None:
    """Check the executor options before anything is written.

    Raises:
        ExperimentError: On conflicting or invalid options.
    """
    if scheduler is not None:
        scheduler_host_port(scheduler)
    if scheduler and dask_local:
        raise ExperimentError(
            "--scheduler and --dask-local: give one of them (an existing cluster or a local one)"
        )
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ExperimentError(
            f"--workers: {workers} is out of range (allowed: an integer from 1 to {MAX_WORKERS})"
        )
    if scheduler and workers is not None:
        raise ExperimentError(
            "--workers: a Dask scheduler has its own workers; start them with `dask worker ADDRESS`"
        )


def open_executor(
    *, workers: int | None = None, scheduler: str | None = None, dask_local: bool = False
) -> contextlib.AbstractContextManager[ExecutorHandle]:
    """Open the executor the options ask for: a process pool unless a Dask option is given.

    Args:
        workers: Worker processes (process pool, local Dask cluster); default: the CPUs available.
        scheduler: Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
        dask_local: Start a Dask ``LocalCluster`` with ``workers`` single-threaded workers.

    Raises:
        ExperimentError: On conflicting or invalid options.
    """
    check_executor_options(workers=workers, scheduler=scheduler, dask_local=dask_local)
    if scheduler or dask_local:
        return dask_executor(scheduler=scheduler, workers=workers)
    return process_pool(workers or default_workers())
