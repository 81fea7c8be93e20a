"""The consolidation pipeline: scan → ingest (parallel, cached) → select → check → aggregate → write.

``consolidate`` is what ``cchc consolidate`` calls; tests and the benchmark call it directly.
"""

from __future__ import annotations

import gc
import importlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from consolidate.blob import decode_table, stack_frames
from consolidate.forked import start_forked
from consolidate.ingest import ingest_many
from consolidate.model import (
    ERRORS_EXCLUDED,
    ERRORS_USED,
    IN_TOTALS,
    USED,
    USED_WARNINGS,
    FileOutcome,
    FoundFile,
    Ingested,
)
from consolidate.scan import scan_folder
from consolidate.select import Candidate, is_late, select_returns, submitted_at
from consolidate.store import Store
from workbooks.catalog.loader import get_form
from workbooks.catalog.model import Form
from workbooks.registry import Registry, RegistryError, Unit, load_registry

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from consolidate.aggregate import Aggregates
    from consolidate.previous import PreviousRound
    from validators import Report

Progress = Callable[[str, int, int], None]

#: Modules of the steps after reading (pandera alone takes a fifth of a second), imported
#: while the workers read; the workers themselves never need them.
_LATER_STEPS = ("validators", "consolidate.aggregate", "consolidate.output", "consolidate.tidy", "pyarrow.parquet")


class ConsolidateError(Exception):
    """The consolidation cannot produce its output (message in Vietnamese).

    Attributes:
        exit_code: 2 for wrong arguments (form, registry, folder), 1 when writing failed.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class UnitStatus:
    """Submission status of one expected unit.

    ``status``: on_time, late, submitted (no deadline given), errors_excluded, missing.
    """

    unit: Unit
    status: str
    file: str = ""
    submitted_at: datetime | None = None
    n_errors: int = 0
    n_warnings: int = 0


@dataclass
class Consolidation:
    """Everything a run produced (what the output and the summary are made from).

    Attributes:
        form: the form consolidated.
        registry: the unit registry.
        period: the period year.
        folder: the folder read.
        include_errors: whether returns with errors were used.
        deadline: the deadline, if given.
        outcomes: one per file found (every file accounted for), in folder order.
        report: findings of the rules on the returns chosen (one per unit).
        values: tidy values of the returns used (stacked; ``return_id`` = file path in the folder).
        aggregates: totals, lists, per-unit matrix.
        units: submission status of every expected unit, in registry order.
        n_read: files read in this run (the others came from the store).
        n_cached: files whose stored result was reused.
        timings: seconds per step.
        out: the output workbook (set once written).
        data_files: tidy data files written.
        store_path: the store.
        run_id: the run's id in the store.
        previous: last round's figures (``--previous``), None when not given.
    """

    form: Form
    registry: Registry
    period: int
    folder: Path
    include_errors: bool
    deadline: date | None
    outcomes: list[FileOutcome]
    report: Report
    values: pd.DataFrame
    aggregates: Aggregates
    units: list[UnitStatus]
    n_read: int = 0
    n_cached: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    out: Path | None = None
    data_files: list[Path] = field(default_factory=list)
    store_path: Path | None = None
    run_id: int = 0
    generated_at: datetime = field(default_factory=datetime.now)
    previous: PreviousRound | None = None

    @property
    def used(self) -> list[FileOutcome]:
        """Outcomes of the returns whose values are in the totals."""
        return [o for o in self.outcomes if o.status in IN_TOTALS]

    @property
    def expected(self) -> int:
        """Number of units expected to send this form."""
        return len(self.units)


def default_store(out: Path) -> Path:
    """Place the store next to the output.

    Args:
        out: the output workbook.

    Returns:
        ``tong_hop.xlsx`` → ``tong_hop.sqlite``.
    """
    return out.with_suffix(".sqlite")


def default_data_dir(out: Path) -> Path:
    """Place the tidy-data folder next to the output.

    Args:
        out: the output workbook.

    Returns:
        ``tong_hop.xlsx`` → ``tong_hop_du_lieu/``.
    """
    return out.with_name(out.stem + "_du_lieu")


def _stat(path: str) -> tuple[int, int] | None:
    """(size, mtime_ns) of a file, None when it vanished."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class _Arrivals:
    """What this process does with each batch of files while the workers read on.

    It stores them and unpacks their values, so that stacking after reading only joins tables.

    Attributes:
        tables: file path -> record table of its return (files read in this run).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tables: dict[str, pa.Table] = {}

    def __call__(self, batch: list[Ingested]) -> None:
        self.store.save(batch)
        for item in batch:
            if item.ret is not None:
                self.tables[item.facts.path] = decode_table(item.ret.blob)


def _ingest(found: list[FoundFile], store: Store, form: Form, year: int, jobs: int | None,
            pool: ProcessPoolExecutor | None, progress: Progress | None
            ) -> tuple[dict[str, Ingested], dict[str, pa.Table], int, int]:
    """Results for every Excel file: reused from the store when unchanged, else read.

    Returns:
        (file path -> result, file path -> record table of the returns read in this run,
        files read, files reused).
    """
    excel = [f.path for f in found if f.excel]
    known = store.known(excel)
    unchanged = []
    for path in excel:
        st = _stat(path)
        if st is not None and store.unchanged(path, st[0], st[1], known):
            unchanged.append(path)
    results = store.cached_results(unchanged)
    to_read = [p for p in excel if p not in results]
    arrivals = _Arrivals(store)
    fresh = ingest_many(to_read, jobs, (lambda d, t: progress("Đọc tệp", d, t)) if progress else None,
                        pool=pool, idle=lambda: _prepare_later_steps(form, year), arrived=arrivals)
    for item in fresh:
        results[item.facts.path] = item
    return results, arrivals.tables, len(fresh), len(results) - len(fresh)


def _import(names: tuple[str, ...]) -> None:
    """Import modules (in a worker process: ahead of a task that needs them)."""
    for name in names:
        importlib.import_module(name)


def _prepare_later_steps(form: Form, year: int) -> None:
    """Import the modules of the steps after reading and build the checks' context of the form.

    Done while the workers read, so that the steps after reading start at once. A catalog
    mistake met here is left for the checks to report.
    """
    _import(_LATER_STEPS)
    from validators.context import FormContext, form_context

    ctx = form_context(form, year)
    for name, part in vars(FormContext).items():
        if isinstance(part, cached_property):
            with suppress(Exception):
                getattr(ctx, name)
    with suppress(Exception):
        _check_one_value(form, year)


def _check_one_value(form: Form, year: int) -> None:
    """Run the checks once on a single made-up value (the findings are dropped).

    pandera sets up its validation machinery on the first validation of the process (a
    hundred modules, a twentieth of a second); done here, the real check does not wait for it.
    """
    import pandas as pd

    from validators import validate_values
    from workbooks.catalog.model import IndicatorSheet
    from workbooks.reader.model import VALUE_COLUMNS

    sheet = next((s for s in form.sheets if isinstance(s, IndicatorSheet) and s.indicators), None)
    if sheet is None:
        return
    value = ["", "", form.id, sheet.id, sheet.name, sheet.indicators[0].code, sheet.columns[0].key, 0, 1, "A1",
             "count", 1, 1.0, "", ""]
    validate_values(form, pd.DataFrame([value], columns=VALUE_COLUMNS), None, year)


@contextmanager
def _worker_pool(jobs: int | None) -> Iterator[ProcessPoolExecutor | None]:
    """The run's worker processes (None for one process), started at once and stopped at the end.

    They read the files and are stopped once reading is done (the tidy data is then written by
    a forked copy of this process, see ``_write``). Started before the heavy steps begin.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=jobs)
    try:
        pool.submit(int)  # the workers start on the first task
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def stack_values(chosen: list[tuple[str, Candidate]], decoded: dict[str, pa.Table] | None = None) -> pd.DataFrame:
    """Stack the values of the chosen returns into one frame.

    Args:
        chosen: (return id = file path in the folder, candidate) pairs, in output order.
        decoded: record tables already unpacked, by file path (the others are unpacked here).

    Returns:
        A frame with ``VALUE_COLUMNS`` (text columns in pandas' string dtype).
    """
    decoded = decoded or {}
    tables, identities = [], []
    for rid, cand in chosen:
        ret = cand.item.ret
        assert ret is not None
        table = decoded.get(cand.item.facts.path)
        tables.append(table if table is not None else decode_table(ret.blob))
        identities.append((rid, ret.unit_code, ret.form_id))
    return stack_frames(tables, identities)


def _only(values: pd.DataFrame, return_ids: set[str]) -> pd.DataFrame:
    """The rows of some returns (the frame itself when it holds only those)."""
    keep = values["return_id"].isin(return_ids).to_numpy(dtype=bool)
    return values if keep.all() else values[keep].reset_index(drop=True)


def _counts(report: Report) -> dict[str, tuple[int, int]]:
    """Return id -> (errors, warnings)."""
    out: dict[str, list[int]] = {}
    for f in report.findings:
        pair = out.setdefault(f.return_id, [0, 0])
        pair[0 if f.severity == "error" else 1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def _unit_statuses(form: Form, registry: Registry, outcomes: list[FileOutcome]) -> list[UnitStatus]:
    """Submission status of every unit expected to send the form, in registry order."""
    by_unit = {o.unit_code: o for o in outcomes if o.status in IN_TOTALS | {ERRORS_EXCLUDED}}
    statuses = []
    for unit in registry.expected_for(form.id, form.levels):
        o = by_unit.get(unit.code)
        if o is None:
            statuses.append(UnitStatus(unit, "missing"))
            continue
        if o.status == ERRORS_EXCLUDED:
            status = "errors_excluded"
        elif o.late is None:
            status = "submitted"
        else:
            status = "late" if o.late else "on_time"
        statuses.append(UnitStatus(unit, status, o.rel, o.submitted_at, o.n_errors, o.n_warnings))
    return statuses


def _check(form: Form, registry: Registry, year: int, chosen: list[tuple[str, Candidate]],
           values: pd.DataFrame) -> Report:
    """Run the rules once on every chosen return, stacked (one vectorised call)."""
    from validators import Report, validate_values

    if not chosen:
        return Report()
    notices, levels = {}, {}
    for rid, cand in chosen:
        assert cand.item.ret is not None
        notices[rid] = cand.item.ret.notices
        unit = registry.by_code(cand.item.ret.unit_code)
        levels[rid] = unit.level if unit else None
    return validate_values(form, values, notices, year, levels=levels)


def _settle(chosen: list[tuple[str, Candidate]], report: Report, registry: Registry, include_errors: bool,
            deadline: date | None) -> list[FileOutcome]:
    """Outcomes of the chosen returns: used, used with warnings, with errors (used or left out)."""
    counts = _counts(report)
    outcomes = []
    for rid, cand in chosen:
        assert cand.item.ret is not None
        n_err, n_warn = counts.get(rid, (0, 0))
        if n_err:
            status = ERRORS_USED if include_errors else ERRORS_EXCLUDED
        else:
            status = USED_WARNINGS if n_warn else USED
        unit = registry.by_code(cand.item.ret.unit_code)
        assert unit is not None
        moment = submitted_at(cand.item)
        message = "" if status != ERRORS_EXCLUDED else (
            f"Có {n_err} lỗi: không đưa vào số tổng hợp (dùng --include-errors để đưa vào).")
        outcomes.append(FileOutcome(cand.found.rel, cand.found.path, status, "has_errors" if n_err else "",
                                    message, unit.code, unit.name, unit.level, cand.item.facts.sha256, n_err,
                                    n_warn, moment, is_late(moment, deadline)))
    return outcomes


def _write(result: Consolidation, out_path: Path, data_dir: Path, data_format: str, fork: bool,
           progress: Progress | None) -> None:
    """Write the workbook and, in a forked copy of this process when allowed, the tidy data, side by side.

    Raises:
        ConsolidateError: the disk refuses.
    """
    from consolidate.output import write_workbook
    from consolidate.tidy import write_data

    if progress:
        progress("Ghi tệp tổng hợp", 0, 1)
    try:
        data = start_forked(write_data, result, data_dir, data_format) if fork and data_format != "none" else None
        result.out = write_workbook(result, out_path)
        done, files = data.result() if data is not None else (False, None)
        if done:
            result.data_files = files
        elif data_format != "none":  # no copy, or it failed: write here (a disk error shows from here)
            result.data_files = write_data(result, data_dir, data_format)
    except OSError as exc:
        raise ConsolidateError(f"Không ghi được tệp kết quả {out_path}: {exc.strerror or exc}", 1) from exc
    if progress:
        progress("Ghi tệp tổng hợp", 1, 1)


def _inputs(form_id: str, registry_path: str | Path, folder: str | Path) -> tuple[Form, Registry, Path]:
    """The form, the registry and the folder, or ConsolidateError saying which is wrong."""
    try:
        form = get_form(form_id)
    except KeyError as exc:
        raise ConsolidateError(str(exc.args[0])) from exc
    try:
        registry = load_registry(registry_path)
    except RegistryError as exc:
        raise ConsolidateError(str(exc)) from exc
    root = Path(folder)
    if not root.is_dir():
        raise ConsolidateError(f"Không tìm thấy thư mục '{folder}'.")
    return form, registry, root


def consolidate(folder: str | Path, form_id: str, registry_path: str | Path, out: str | Path, *,
                store: str | Path | None = None, jobs: int | None = None, include_errors: bool = False,
                deadline: date | None = None, period: int | None = None, data_format: str = "parquet",
                progress: Progress | None = None, write: bool = True,
                previous: str | Path | None = None) -> Consolidation:
    """Consolidate every return of ``form_id`` found under ``folder``.

    Args:
        folder: the folder of returns (read recursively; never modified).
        form_id: the form (``cchc forms``).
        registry_path: the unit registry (CSV/XLSX).
        out: the output workbook (.xlsx), written atomically.
        store: the SQLite store (default: next to ``out``, same name, ``.sqlite``).
        jobs: worker processes for reading (all cores when None).
        include_errors: use returns with errors in the totals (default: leave them out).
        deadline: returns saved after this day are late.
        period: the period year (the form's default when None).
        data_format: tidy data as ``parquet`` or ``csv`` (``none``: not written).
        progress: called with (step label, done, total).
        write: write the workbook and the tidy data (False: compute only).
        previous: last round's tong_hop.xlsx or store: compared with this round (``consolidate.previous``).

    Returns:
        The consolidation (outcomes, report, totals …).

    Raises:
        ConsolidateError: unknown form, unreadable registry, missing folder, last round unreadable,
            output not writable.
    """
    _use_system_allocator()
    before = _load_previous(previous) if previous is not None else None
    with _paused_gc():
        return _consolidate(folder, form_id, registry_path, out, store, jobs, include_errors, deadline, period,
                            data_format, progress, write, before)


def _load_previous(path: str | Path) -> PreviousRound:
    """Last round (``--previous``), or ConsolidateError saying why not."""
    from consolidate.previous import PreviousError, load_previous

    try:
        return load_previous(path)
    except PreviousError as exc:
        raise ConsolidateError(str(exc)) from exc


def _use_system_allocator() -> None:
    """Let Arrow allocate with the C library's allocator instead of its bundled one.

    Stacking a thousand returns allocates and frees many mid-sized Arrow buffers; in this
    pattern the system allocator is two to three times faster than mimalloc/jemalloc (measured:
    stacking 1,000 returns 0.33 s → 0.12 s), with the same peak memory.
    """
    import pyarrow as pa

    with suppress(Exception):  # an Arrow build without it keeps its default pool
        pa.set_memory_pool(pa.system_memory_pool())


@contextmanager
def _paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a run.

    A run allocates millions of small objects that live until its end (values, cells of the
    output workbook); every automatic collection walks them all again. Pausing it takes a
    third off the time of writing the workbook. Reference counting still frees everything as
    usual.

    At the end the run's objects are moved to the oldest generation (``freeze`` then
    ``unfreeze``, two list splices): otherwise they would all still be "young" and the first
    allocation after re-enabling would walk every one of them (an eighth of a second at 1,000
    returns). Left as old objects, they are looked at by the next full collection, in its own
    time, which also catches the run's few reference cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _consolidate(folder: str | Path, form_id: str, registry_path: str | Path, out: str | Path,
                 store: str | Path | None, jobs: int | None, include_errors: bool, deadline: date | None,
                 period: int | None, data_format: str, progress: Progress | None, write: bool,
                 previous: PreviousRound | None = None) -> Consolidation:
    """``consolidate`` with the garbage collector paused (same arguments)."""
    timings: dict[str, float] = {}
    t0 = t = time.perf_counter()
    form, registry, root = _inputs(form_id, registry_path, folder)
    year = period or form.period.default_year
    out_path = Path(out).resolve()
    store_path = Path(store).resolve() if store else default_store(out_path)
    data_dir = default_data_dir(out_path)
    with _worker_pool(jobs) as pool:
        found = scan_folder(root, [out_path, store_path, Path(f"{store_path}-wal"), Path(f"{store_path}-shm"),
                                   Path(f"{store_path}-journal"), data_dir])
        timings["scan"] = time.perf_counter() - t
        result = _run_steps(form, registry, year, root, found, store_path, out_path, data_dir, pool, timings,
                            jobs=jobs, include_errors=include_errors, deadline=deadline, data_format=data_format,
                            progress=progress, write=write, previous=previous)
    timings["total"] = time.perf_counter() - t0
    return result


def _run_steps(form: Form, registry: Registry, year: int, root: Path, found: list[FoundFile], store_path: Path,
               out_path: Path, data_dir: Path, pool: ProcessPoolExecutor | None, timings: dict[str, float], *,
               jobs: int | None, include_errors: bool, deadline: date | None, data_format: str,
               progress: Progress | None, write: bool, previous: PreviousRound | None = None) -> Consolidation:
    """Read, select, check, aggregate, write and record the run in the store (timings filled in)."""
    try:
        db = Store(store_path)
    except Exception as exc:  # noqa: BLE001 - sqlite3 errors of any kind: the store is unusable
        raise ConsolidateError(f"Không mở được kho dữ liệu {store_path}: {exc}", 1) from exc
    try:
        t = time.perf_counter()
        run_id = db.start_run(str(root.resolve()), form.id, year, include_errors, deadline, str(out_path))
        results, decoded, n_read, n_cached = _ingest(found, db, form, year, jobs, pool, progress)
        if pool is not None:  # reading is done: no other process or thread runs from here on
            pool.shutdown(wait=True)
        timings["read"] = time.perf_counter() - t

        t = time.perf_counter()
        selection = select_returns([(f, results.get(f.path) if f.excel else None) for f in found], form,
                                   registry, year)
        order = {u.code: i for i, u in enumerate(registry.units)}
        winners = sorted(selection.winners.items(), key=lambda kv: order.get(kv[0], len(order)))
        chosen = [(cand.found.rel, cand) for _, cand in winners]
        values = stack_values(chosen, decoded)
        del decoded
        timings["select"] = time.perf_counter() - t

        t = time.perf_counter()
        if progress:
            progress("Kiểm tra số liệu", 0, 1)
        report = _check(form, registry, year, chosen, values)
        if progress:
            progress("Kiểm tra số liệu", 1, 1)
        timings["check"] = time.perf_counter() - t

        t = time.perf_counter()
        from consolidate.aggregate import aggregate  # imported while the workers read

        rank = {f.rel: i for i, f in enumerate(found)}
        outcomes = sorted(selection.outcomes + _settle(chosen, report, registry, include_errors, deadline),
                          key=lambda o: rank.get(o.rel, len(rank)))
        used = {o.rel: o.unit_code for o in outcomes if o.status in IN_TOTALS}
        values = _only(values, set(used))  # the frame of every chosen return is let go here
        return_units = {rid: used[rid] for rid, _ in chosen if rid in used}
        aggregates = aggregate(values, form, registry, return_units)
        timings["aggregate"] = time.perf_counter() - t

        result = Consolidation(form, registry, year, root, include_errors, deadline, outcomes, report,
                               values, aggregates, _unit_statuses(form, registry, outcomes), n_read,
                               n_cached, timings, store_path=store_path, run_id=run_id, previous=previous)
        if write:
            t = time.perf_counter()
            _write(result, out_path, data_dir, data_format, pool is not None, progress)
            timings["write"] = time.perf_counter() - t
        t = time.perf_counter()
        db.finish_run(run_id, outcomes, n_read)
        timings["store"] = time.perf_counter() - t
    finally:
        db.close()
    return result
