"""The sweep driver: plan tasks, skip finished ones, run the rest through an executor, keep the manifest.

The driver never holds results: workers write one Parquet file per task and send back a small
report. Tasks are submitted through a bounded window (a few per worker) and collected as they
complete, which drives the progress bar the same way for every executor and keeps the driver's
memory flat however large the sweep.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from computemarket.errors import Terminated, interrupt_exit_code
from computemarket.experiments.design import (
    Design,
    TaskRange,
    build_design,
    plan_tasks,
    resolve_point,
    validate_points,
)
from computemarket.experiments.executors import (
    ExecutorHandle,
    check_executor_options,
    open_executor,
)
from computemarket.experiments.folder import (
    check_options,
    check_sweep_folder,
    json_normal,
    make_folder,
    prepare_folder,
    remove_if_still_empty,
    write_design,
)
from computemarket.experiments.report import SweepReport
from computemarket.experiments.spec import ExperimentSpec, load_experiment
from computemarket.experiments.worker import (
    RUN_COLUMNS,
    RunFunction,
    RunSpec,
    TaskReport,
    TaskSpec,
    execute_task,
    simulate,
)
from computemarket.progress import progress_bar
from computemarket.store.files import file_sha256, write_json_atomic
from computemarket.store.layout import MANIFEST, TASKS_DIR
from computemarket.store.provenance import now, provenance
from computemarket.store.schema import column_units, read_units
from computemarket.store.sweeps import (
    FORMAT_VERSION,
    check_task_file,
    read_task_metadata,
    remove_temporary,
    sweep_lock,
    task_file,
)

DEFAULT_RUNS_PER_TASK = 8
"""A task holds one point and its seeds, or enough consecutive points to reach this many runs."""

MANIFEST_INTERVAL_S = 2.0
"""The manifest is rewritten at most this often while a sweep runs (the task files are the truth)."""


def _task_entry(
    task: TaskRange, status: str, record: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    failures = (record or {}).get("failures", [])
    entry = {
        "rows": [task.start, task.stop],
        "status": status,
        "runs": task.runs,
        "failed_runs": len(failures),
        "file": f"{TASKS_DIR}/{task_file(Path(), task.task).name}",
    }
    if (record or {}).get("sha256"):
        entry["sha256"] = record["sha256"]
    if failures:
        entry["failures"] = [{k: v for k, v in f.items() if k != "traceback"} for f in failures]
    entry.update(extra)
    return entry


class _Manifest:
    """The manifest of one sweep folder, rewritten atomically and at most every few seconds."""

    def __init__(self, out: Path, data: dict[str, Any]) -> None:
        self.path = out / MANIFEST
        self.data = data
        self._written = 0.0

    def write(self, *, force: bool = False) -> None:
        if force or time.monotonic() - self._written >= MANIFEST_INTERVAL_S:
            self.data["updated"] = now()
            write_json_atomic(self.path, self.data)
            self._written = time.monotonic()


# --------------------------------------------------------------------------------------------- driver
@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (e.g. a batch scheduler's stop) like Ctrl-C while the sweep runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _window(handle: ExecutorHandle, is_dask: bool) -> int:
    """Tasks in flight at once: enough to keep every worker busy, few enough to stop quickly."""
    if is_dask:
        return max(4 * handle.slots, 64)
    return 2 * handle.slots + 2


class _Driver:
    """Submits tasks through a bounded window and records each as it completes."""

    def __init__(
        self,
        design: Design,
        out: Path,
        manifest: _Manifest,
        report: SweepReport,
        run_fn: RunFunction,
        bar: tqdm,
        log: Callable[[str], None],
    ) -> None:
        self.design, self.out, self.manifest, self.report = design, out, manifest, report
        self.run_fn, self.bar, self.log = run_fn, bar, log
        self.points = design.points.to_dict("records")

    def task_spec(self, task: TaskRange) -> TaskSpec:
        spec, table = self.design.spec, self.design.table
        scenarios: dict[int, Any] = {}
        runs = []
        factors = tuple((name, str(self.design.points[name].dtype)) for name in spec.factor_names)
        for row in table.iloc[task.start : task.stop][
            ["row", "point", "replicate", "seed"]
        ].itertuples(index=False):
            point = int(row.point)
            if point not in scenarios:
                scenarios[point] = resolve_point(spec, self.points[point])
            values = tuple(self.points[point][name] for name, _ in factors)
            runs.append(
                RunSpec(
                    int(row.row),
                    point,
                    int(row.replicate),
                    int(row.seed),
                    scenarios[point],
                    values,
                )
            )
        return TaskSpec(
            task=task.task,
            path=str(task_file(self.out, task.task)),
            design_id=self.design.design_id,
            start=task.start,
            stop=task.stop,
            runs=tuple(runs),
            years=spec.years,
            metrics=spec.metrics,
            every=spec.every,
            dtype=spec.dtype,
            factors=factors,
            run_fn=self.run_fn,
        )

    def record(self, task: TaskRange, future: Future) -> bool:
        """Record a completed future. Returns False if the executor is broken and should not be fed."""
        entries = self.manifest.data["tasks"]
        try:
            result: TaskReport = future.result()
        except BrokenProcessPool as err:
            self.report.task_errors[task.task] = f"worker process died ({err})"
            entries[str(task.task)] = _task_entry(
                task, "error", error=self.report.task_errors[task.task]
            )
            return False
        except Exception as err:
            self.report.task_errors[task.task] = f"{err.__class__.__name__}: {err}"
            entries[str(task.task)] = _task_entry(
                task,
                "error",
                error=self.report.task_errors[task.task],
                traceback=traceback.format_exc(),
            )
            return True
        self.report.tasks_run += 1
        self.report.failures.extend(result.failures)
        self.report.runs_ok += result.runs - len(result.failures)
        self.report.runs_run += result.runs
        entries[str(task.task)] = _task_entry(
            task,
            "failed" if result.failures else "done",
            {"failures": result.failures, "sha256": result.sha256},
            wall_s=round(result.wall_s, 4),
            bytes=result.file_bytes,
            worker=result.worker,
        )
        self.manifest.data["units"].update(result.units)
        self.bar.update(task.runs)
        if self.report.failures:
            self.bar.set_postfix(failed=len(self.report.failures), refresh=False)
        self.manifest.write()
        return True

    def run(self, handle: ExecutorHandle, tasks: list[TaskRange], window: int) -> None:
        queue = iter(tasks)
        in_flight: dict[Future, TaskRange] = {}
        healthy = True

        def fill() -> None:
            nonlocal healthy
            while healthy and len(in_flight) < window:
                task = next(queue, None)
                if task is None:
                    return
                try:
                    future = handle.executor.submit(execute_task, self.task_spec(task))
                except BrokenProcessPool:  # a worker died since the last completed task
                    healthy = False
                    return
                in_flight[future] = task

        try:
            fill()
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    healthy = self.record(in_flight.pop(future), future) and healthy
                fill()
        except KeyboardInterrupt as interrupt:
            self.report.interrupted = True
            self.report.interrupted_by = interrupt_exit_code(interrupt) - 128
            for future in in_flight:
                future.cancel()
            running = {f: t for f, t in in_flight.items() if not f.cancelled()}
            if running:
                self.bar.clear()
                self.log(
                    f"interrupted: letting {len(running)} running task(s) finish (Ctrl-C again to stop at once)"
                )
            try:
                for future in wait(running).done:
                    self.record(running[future], future)
            except KeyboardInterrupt:
                handle.abort()


def sweep(
    experiment: ExperimentSpec | str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: bool = False,
    executor: Executor | None = None,
    resume: bool = False,
    overwrite: bool = False,
    retry_failed: bool = False,
    limit: int | None = None,
    runs_per_task: int | None = None,
    progress: bool = True,
    run_fn: RunFunction = simulate,
    log: Callable[[str], None] | None = None,
) -> SweepReport:
    """Run an experiment: every row of its design (or the first ``limit``), one Parquet file per task.

    Args:
        experiment: A validated experiment, a shipped experiment name or a path to a TOML file.
        out: Output folder; default ``results/<name>``.
        workers: Worker processes (default: the CPUs available).
        scheduler: Address of a Dask scheduler to run on.
        dask_local: Run on a new Dask ``LocalCluster`` of ``workers`` processes.
        executor: Run on this ``concurrent.futures.Executor`` instead (left open).
        resume: Finish a sweep already in ``out``: tasks with a result file are not run again.
        overwrite: Delete a sweep already in ``out`` and start again.
        retry_failed: With ``resume``, run again the tasks that have failed runs.
        limit: Run only the first ``limit`` rows of the design. A task that a previous call
            finished with more rows is never cut: it is kept, or (if damaged) run again with
            those rows.
        runs_per_task: Minimum runs per task (whole points); fixed when the folder is created.
        progress: Show a progress bar (on stderr; hidden when it is not a terminal).
        run_fn: The model as a function (see :data:`~computemarket.experiments.worker.RunFunction`).
        log: Where to send one-line messages (start, interruption); default: nowhere.

    Returns:
        The sweep's report; ``report.exit_code`` is what a command line should exit with.

    Raises:
        ExperimentError: On invalid options, or an output folder that holds another sweep.
    """
    started = time.perf_counter()
    log = log or (lambda message: None)
    spec = experiment if isinstance(experiment, ExperimentSpec) else load_experiment(experiment)
    out_dir = Path(out if out is not None else Path("results") / spec.name).absolute()
    check_options(resume, overwrite, retry_failed, limit, runs_per_task)
    if executor is None:
        check_executor_options(workers=workers, scheduler=scheduler, dask_local=dask_local)
    check_sweep_folder(out_dir)
    design = build_design(spec)
    validate_points(design)
    # The same checks run again under the lock; here they refuse bad input before anything is made.
    prepare_folder(out_dir, spec, design, resume=resume, overwrite=overwrite, dry_run=True)
    report = SweepReport(
        name=spec.name,
        out=out_dir,
        experiment=spec.name if spec.source == "shipped" else spec.source,
    )
    with contextlib.ExitStack() as stack:
        handle: ExecutorHandle | None = None
        if executor is None and (scheduler is not None or dask_local):
            # Reach the cluster before anything is written: an address that does not answer
            # leaves no folder behind.
            handle = stack.enter_context(
                open_executor(workers=workers, scheduler=scheduler, dask_local=dask_local)
            )
        made = make_folder(out_dir)
        stack.callback(remove_if_still_empty, made)
        stack.enter_context(sweep_lock(out_dir))
        remove_temporary(out_dir)  # left by a killed sweep; under the lock nothing else writes
        previous = prepare_folder(
            out_dir, spec, design, resume=resume, overwrite=overwrite, log=log
        )
        if previous is not None:
            runs_per_task = previous["chunk"]["runs_per_task"]
        runs_per_task = runs_per_task or DEFAULT_RUNS_PER_TASK
        tasks = plan_tasks(design, runs_per_task, limit)
        whole = tasks if limit is None else plan_tasks(design, runs_per_task)
        (out_dir / TASKS_DIR).mkdir(exist_ok=True)
        manifest = _Manifest(out_dir, _new_manifest(spec, design, runs_per_task, limit, previous))
        manifest.data["design"]["sha256"] = write_design(out_dir, design, previous, log)
        tasks, to_run = _scan(
            out_dir, design, tasks, whole, manifest, report, retry_failed=retry_failed
        )
        report.runs_planned = sum(t.runs for t in tasks)
        report.tasks_planned = len(tasks)
        report.tasks_skipped = len(tasks) - len(to_run)
        if not to_run:
            report.executor = "nothing to run"
            manifest.data["status"] = _status(manifest.data, report)
            manifest.write(force=True)
            report.wall_s = time.perf_counter() - started
            return report
        if handle is None:
            handle = stack.enter_context(
                _given(executor)
                if executor is not None
                else open_executor(workers=workers, scheduler=scheduler, dask_local=dask_local)
            )
        stack.enter_context(_sigterm_as_interrupt())
        report.executor = handle.description
        manifest.data["executor"] = handle.description
        manifest.data["status"] = "running"
        manifest.write(force=True)
        runs_left = sum(t.runs for t in to_run)
        log(
            f"{spec.name}: {design.n_points} points x {spec.seeds} seeds, {spec.years} years; running "
            f"{runs_left} of {report.runs_planned} runs in {len(to_run)} tasks on {handle.description} -> {out_dir}"
        )
        bar = stack.enter_context(
            progress_bar(
                enabled=progress,
                total=report.runs_planned,
                initial=report.runs_planned - runs_left,
                unit="run",
                desc=spec.name,
                leave=True,
            )
        )
        driver = _Driver(design, out_dir, manifest, report, run_fn, bar, log)
        try:
            driver.run(handle, to_run, _window(handle, is_dask=scheduler is not None or dask_local))
        finally:
            bar.close()
            manifest.data["status"] = _status(manifest.data, report)
            manifest.data["totals"] = _totals(manifest.data)
            manifest.write(force=True)
    report.wall_s = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _given(executor: Executor) -> Iterator[ExecutorHandle]:
    workers = getattr(executor, "_max_workers", 1)

    def abort() -> None:
        executor.shutdown(wait=False, cancel_futures=True)

    yield ExecutorHandle(
        executor, f"{executor.__class__.__name__} ({workers} workers)", workers, abort
    )


def _new_manifest(
    spec: ExperimentSpec,
    design: Design,
    runs_per_task: int,
    limit: int | None,
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    made = provenance()
    data = {
        "format": FORMAT_VERSION,
        "experiment": spec.name,
        "source": spec.source,
        "spec": json_normal(spec.to_document()),
        "design": {
            "id": design.design_id,
            "points": design.n_points,
            "seeds": spec.seeds,
            "runs": design.n_runs,
            "sampler": spec.sampler,
            "factors": spec.factor_names,
            "problem": design.problem,
            "levels": spec.levels if spec.sampler == "morris" else None,
            "second_order": spec.second_order if spec.sampler == "saltelli" else None,
        },
        "units": {
            **(previous or {}).get("units", {}),
            **column_units([*RUN_COLUMNS, *spec.factor_names], factors=spec.factor_names),
        },
        "chunk": {"runs_per_task": runs_per_task},
        "limit": limit,
        "versions": made["versions"],
        "host": made["host"],
        "created": (previous or {}).get("created", made["created_utc"]),
        "updated": now(),
        "status": "starting",
        "tasks": {},
    }
    if previous is not None:
        data["tasks"] = previous.get("tasks", {})
        data["versions_history"] = [
            *previous.get("versions_history", []),
            previous.get("versions", {}),
        ]
    return data


def _kept_rows(
    task: TaskRange,
    whole: TaskRange,
    old: dict[str, Any],
    record: dict[str, Any] | None,
    design_id: str,
) -> TaskRange:
    """A task cut by ``--limit``, widened to the rows a previous call finished for it.

    A task's file is named by its number alone, so running the cut task would replace a finished
    file holding more rows with a smaller one. If the manifest records the task as finished, or its
    file's footer names this design, with more rows (within the whole task), the task keeps those
    rows: the file is kept if it is intact, and otherwise the task runs again with those rows.
    """
    if task == whole:
        return task
    stops = []
    rows = old.get("rows")
    finished = old.get("status") in ("done", "failed")
    if finished and isinstance(rows, list) and len(rows) == 2 and rows[0] == task.start:
        stops.append(rows[1])
    if record is not None and (record.get("design_id"), record.get("start")) == (
        design_id,
        task.start,
    ):
        stops.append(record.get("stop"))
    stop = max(
        (s for s in stops if isinstance(s, int) and task.stop < s <= whole.stop),
        default=task.stop,
    )
    return TaskRange(task=task.task, start=task.start, stop=stop)


def _scan(
    out: Path,
    design: Design,
    tasks: list[TaskRange],
    whole: list[TaskRange],
    manifest: _Manifest,
    report: SweepReport,
    *,
    retry_failed: bool,
) -> tuple[list[TaskRange], list[TaskRange]]:
    """Mark planned tasks whose file is whole as done; return the planned tasks and those to run.

    ``whole`` is the plan without ``--limit`` (``tasks`` is a prefix of it, its last task perhaps
    cut). A task cut by the limit keeps the rows a previous call finished for it (see
    :func:`_kept_rows`), so ``--limit`` never shrinks or rewrites a finished task.

    A task file counts only if its footer names this design and the task's rows, and its bytes
    match the checksum the manifest recorded (or, for a file the manifest has not recorded yet,
    every page's CRC). A file that is missing, truncated or damaged is run again.
    """
    entries = manifest.data["tasks"]
    planned, to_run = [], []
    for task in tasks:
        path = task_file(out, task.task)
        old = entries.get(str(task.task), {})
        record = read_task_metadata(path)
        task = _kept_rows(task, whole[task.task], old, record, design.design_id)
        planned.append(task)
        # The manifest's record of this very task (a --limit run may have recorded a part of it).
        same_rows = old.get("rows") == [task.start, task.stop]
        recorded = old if old.get("status") in ("done", "failed") and same_rows else None
        complete = (
            record is not None
            and record.get("design_id") == design.design_id
            and (record.get("start"), record.get("stop")) == (task.start, task.stop)
        )
        problem = check_task_file(path, recorded) if complete or recorded else None
        if recorded and not complete and problem is None:
            problem = "not written for this design and task"
        if problem is not None:
            report.repaired.append(f"{path.name} ({problem})")
            complete = False
        if complete and not (retry_failed and record["failures"]):
            kept = {k: old[k] for k in ("wall_s", "bytes", "worker") if k in old}
            digest = (recorded or {}).get("sha256") or file_sha256(path)
            entries[str(task.task)] = _task_entry(
                task,
                "failed" if record["failures"] else "done",
                {**record, "sha256": digest},
                **kept,
            )
            report.failures.extend(record["failures"])
            report.runs_ok += task.runs - len(record["failures"])
            manifest.data["units"].update(read_units(path))
        else:
            entries[str(task.task)] = _task_entry(task, "pending")
            to_run.append(task)
    return planned, to_run


def _totals(data: dict[str, Any]) -> dict[str, int]:
    entries = data["tasks"].values()
    return {
        "tasks": len(data["tasks"]),
        "tasks_done": sum(e["status"] in ("done", "failed") for e in entries),
        "tasks_pending": sum(e["status"] == "pending" for e in entries),
        "tasks_error": sum(e["status"] == "error" for e in entries),
        "runs_ok": sum(
            e["runs"] - e["failed_runs"] for e in entries if e["status"] in ("done", "failed")
        ),
        "runs_failed": sum(e["failed_runs"] for e in entries),
    }


def _status(data: dict[str, Any], report: SweepReport) -> str:
    data["totals"] = _totals(data)
    if report.interrupted and report.tasks_pending:
        return "interrupted"
    if report.tasks_pending or report.task_errors:
        return "incomplete"
    if report.failures:
        return "complete-with-failures"
    if data["limit"] is None or data["totals"]["runs_ok"] == data["design"]["runs"]:
        return "complete"
    return "complete-to-limit"
