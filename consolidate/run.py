"""The consolidation pipeline, as plain steps: scan → read → select → check → aggregate → write.

``run(options)`` is what ``cchc consolidate`` calls; ``consolidate(folder, form, registry, out,
…)`` is the same with the options as keywords (tests, the benchmark). Process-wide speed
settings (garbage collector, Arrow's allocator) are the caller's: see
``cchc.commands.consolidate.tuned_process``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consolidate.blob import decode_table, stack_frames
from consolidate.ingest import ingest_many
from consolidate.model import (
    ERRORS_EXCLUDED,
    ERRORS_USED,
    IN_TOTALS,
    USED,
    USED_WARNINGS,
    ConsolidateError,
    Consolidation,
    FileOutcome,
    FoundFile,
    Ingested,
    Options,
    UnitStatus,
)
from consolidate.received import load_received
from consolidate.scan import scan_folder
from consolidate.select import Candidate, Selection, is_late, select_returns, settle_ties
from consolidate.store import Store
from consolidate.warmup import prepare_later_steps
from consolidate.write import write_outputs
from workbooks.catalog.loader import get_form
from workbooks.catalog.model import Form
from workbooks.messages import text
from workbooks.registry import Registry, RegistryError, load_registry

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from consolidate.previous import PreviousRound
    from validators import Report

__all__ = ["ConsolidateError", "Consolidation", "Options", "consolidate", "run"]

Progress = Callable[[str, int, int], None]


def consolidate(folder: str | Path, form_id: str, registry: str | Path, out: str | Path, *,
                progress: Progress | None = None, **options: Any) -> Consolidation:
    """Consolidate every return of ``form_id`` found under ``folder`` (``run`` with keywords).

    Args:
        folder: the folder of returns.
        form_id: the form.
        registry: the unit registry (CSV/XLSX).
        out: the output workbook.
        progress: called with (step label, done, total).
        **options: the other fields of ``Options`` (jobs, include_errors, deadline, period …).

    Returns:
        The consolidation.
    """
    return run(Options(Path(folder), form_id, Path(registry), Path(out), **options), progress)


def run(opts: Options, progress: Progress | None = None) -> Consolidation:
    """Consolidate: every file found accounted for, totals of the returns used, the workbook written.

    Args:
        opts: what to consolidate and where to write.
        progress: called with (step label, done, total).

    Returns:
        The consolidation (outcomes, findings, totals, unit statuses, timings).

    Raises:
        ConsolidateError: unknown form, unreadable registry or received list, missing folder
            (exit code 2); store or output not writable (exit code 1).
    """
    steps = _Steps(opts, progress)
    with _worker_pool(opts.jobs) as pool, steps.open_store() as db:
        found = steps.scan()
        items, decoded = steps.read(found, db, pool)
        if pool is not None:  # reading is done: no other process or thread runs from here on
            pool.shutdown(wait=True)
        selection = steps.select(found, items)
        chosen, values, report = steps.check(selection, decoded)
        result = steps.aggregate(found, selection, chosen, values, report)
        if opts.write:
            steps.write(result)
        steps.record(db, result)
    steps.timings["total"] = time.perf_counter() - steps.started
    return result


class _Steps:
    """The steps of one run, sharing its inputs and filling in its timings."""

    def __init__(self, opts: Options, progress: Progress | None) -> None:
        self.started = time.perf_counter()
        self.opts, self.progress = opts, progress
        self.timings: dict[str, float] = {}
        self.form, self.registry = _inputs(opts)
        self.year = opts.period or self.form.period.default_year
        self.received = load_received(opts.received)
        self.previous = _load_previous(opts.previous) if opts.previous is not None else None
        self.n_read = self.n_cached = self.run_id = 0
        self.tie_notes: dict[str, str] = {}

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Add the seconds spent in the block to ``timings[step]``."""
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - t

    @contextmanager
    def open_store(self) -> Iterator[Store]:
        """The SQLite store of the run (every return ever read, every run)."""
        try:
            db = Store(self.opts.store_path)
        except Exception as exc:  # noqa: BLE001 - sqlite3 errors of any kind: the store is unusable
            raise ConsolidateError(text("consolidate.store_failed", path=self.opts.store_path), 1) from exc
        try:
            yield db
        finally:
            db.close()

    def scan(self) -> list[FoundFile]:
        """Every file under the folder (the run's own files left out)."""
        with self.timed("scan"):
            return scan_folder(self.opts.folder, self.opts.own_files)

    def read(self, found: list[FoundFile], db: Store, pool: ProcessPoolExecutor | None
             ) -> tuple[dict[str, Ingested], dict[str, pa.Table]]:
        """Every Excel file's result, reused from the store when unchanged, else read (stored as it arrives)."""
        with self.timed("read"):
            self.run_id = db.start_run(str(self.opts.folder.resolve()), self.form.id, self.year,
                                       self.opts.include_errors, self.opts.deadline, str(self.opts.out_path))
            excel = [f.path for f in found if f.excel]
            known = db.known(excel)
            unchanged = [p for p in excel if (st := _stat(p)) is not None and db.unchanged(p, *st, known)]
            results = db.cached_results(unchanged)
            arrivals = _Arrivals(db)
            report = (lambda d, t: self.progress("Đọc tệp", d, t)) if self.progress else None
            fresh = ingest_many([p for p in excel if p not in results], self.opts.jobs, report, pool=pool,
                                idle=lambda: prepare_later_steps(self.form, self.year), arrived=arrivals)
            results.update((item.facts.path, item) for item in fresh)
            self.n_read, self.n_cached = len(fresh), len(results) - len(fresh)
            return results, arrivals.tables

    def select(self, found: list[FoundFile], items: dict[str, Ingested]) -> Selection:
        """Rejections, identity conflicts, the newest version of every unit."""
        with self.timed("select"):
            return select_returns([(f, items.get(f.path) if f.excel else None) for f in found], self.form,
                                  self.registry, self.year, self.received)

    def check(self, selection: Selection, decoded: dict[str, pa.Table]
              ) -> tuple[list[tuple[str, Candidate]], pd.DataFrame, Report]:
        """Run the rules once on every return chosen (and on versions tied with them), then settle ties."""
        with self.timed("select"):
            order = {u.code: i for i, u in enumerate(self.registry.units)}
            winners = sorted(selection.winners.items(), key=lambda kv: order.get(kv[0], len(order)))
            checked = [(c.found.rel, c) for _, c in winners] + [(c.found.rel, c) for c in selection.tied()]
            values = _stack(checked, decoded)
        with self.timed("check"):
            if self.progress:
                self.progress("Kiểm tra số liệu", 0, 1)
            report = _check(self.form, self.registry, self.year, checked, values)
            if self.progress:
                self.progress("Kiểm tra số liệu", 1, 1)
        self.tie_notes = settle_ties(selection, _counts(report), self.registry) if selection.ties else {}
        chosen = sorted(((c.found.rel, c) for c in selection.winners.values()),
                        key=lambda pair: order.get(pair[1].item.ret.unit_code, len(order)))  # type: ignore[union-attr]
        if selection.ties or len(chosen) < len(checked):
            keep = {rid for rid, _ in chosen}
            report = type(report)([f for f in report.findings if f.return_id in keep])
        return chosen, values, report

    def aggregate(self, found: list[FoundFile], selection: Selection, chosen: list[tuple[str, Candidate]],
                  values: pd.DataFrame, report: Report) -> Consolidation:
        """Settle every file, leave out what must not count, compute the totals."""
        with self.timed("aggregate"):
            from consolidate.aggregate import aggregate  # imported while the workers read
            from consolidate.left_out import left_out

            settled = _settle(chosen, report, self.registry, self.opts, self.tie_notes)
            rank = {f.rel: i for i, f in enumerate(found)}
            outcomes = sorted(selection.outcomes + settled, key=lambda o: rank.get(o.rel, len(rank)))
            used = {o.rel: o.unit_code for o in outcomes if o.status in IN_TOTALS}
            drop, where = left_out(values, report, set(used))
            values = _only(values, set(used), drop)  # the frame of every checked return is let go here
            _say_left_out(outcomes, where)
            aggregates = aggregate(values, self.form, self.registry, {r: used[r] for r, _ in chosen if r in used})
            return Consolidation(self.form, self.registry, self.year, self.opts.folder, self.opts.include_errors,
                                 self.opts.deadline, outcomes, report, values, aggregates,
                                 _unit_statuses(self.form, self.registry, outcomes), where, self.n_read,
                                 self.n_cached, self.timings, store_path=self.opts.store_path, run_id=self.run_id,
                                 previous=self.previous)

    def write(self, result: Consolidation) -> None:
        """The workbook and the tidy data."""
        with self.timed("write"):
            write_outputs(result, self.opts, self.progress)

    def record(self, db: Store, result: Consolidation) -> None:
        """What became of every file, in the store's history of runs."""
        with self.timed("store"):
            db.finish_run(self.run_id, result.outcomes, self.n_read)


def _load_previous(path: Path) -> PreviousRound:
    """Last round (``--previous``), or ConsolidateError saying why not."""
    from consolidate.previous import PreviousError, load_previous

    try:
        return load_previous(path)
    except PreviousError as exc:
        raise ConsolidateError(str(exc)) from exc


def _inputs(opts: Options) -> tuple[Form, Registry]:
    """The form and the registry, or ConsolidateError saying which is wrong (the folder is checked too)."""
    try:
        form = get_form(opts.form_id)
    except KeyError as exc:
        raise ConsolidateError(str(exc.args[0])) from exc
    try:
        registry = load_registry(opts.registry)
    except RegistryError as exc:
        raise ConsolidateError(str(exc)) from exc
    if not Path(opts.folder).is_dir():
        raise ConsolidateError(text("consolidate.folder_missing", folder=opts.folder))
    return form, registry


def _stat(path: str) -> tuple[int, int] | None:
    """(size, mtime_ns) of a file, None when it vanished."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class _Arrivals:
    """Stores each batch of files as it comes back from the workers and unpacks its values meanwhile.

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


@contextmanager
def _worker_pool(jobs: int | None) -> Iterator[ProcessPoolExecutor | None]:
    """The run's reading processes (None for one process), started at once and stopped at the end."""
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


def _stack(chosen: list[tuple[str, Candidate]], decoded: dict[str, pa.Table]) -> pd.DataFrame:
    """The values of the returns, stacked (``VALUE_COLUMNS``; ``return_id`` = file path in the folder)."""
    tables, identities = [], []
    for rid, cand in chosen:
        ret = cand.item.ret
        assert ret is not None
        table = decoded.get(cand.item.facts.path)
        tables.append(table if table is not None else decode_table(ret.blob))
        identities.append((rid, ret.unit_code, ret.form_id))
    return stack_frames(tables, identities)


def _only(values: pd.DataFrame, return_ids: set[str], drop: Any = None) -> pd.DataFrame:
    """The rows of some returns, without the rows of ``drop`` (the frame itself when nothing goes)."""
    keep = values["return_id"].isin(return_ids).to_numpy(dtype=bool)
    if drop is not None and drop.any():
        keep = keep & ~drop
    return values if keep.all() else values[keep].reset_index(drop=True)


def _counts(report: Report) -> dict[str, tuple[int, int]]:
    """Return id -> (errors, warnings)."""
    out: dict[str, list[int]] = {}
    for f in report.findings:
        pair = out.setdefault(f.return_id, [0, 0])
        pair[0 if f.severity == "error" else 1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


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


def _settle(chosen: list[tuple[str, Candidate]], report: Report, registry: Registry, opts: Options,
            notes: dict[str, str]) -> list[FileOutcome]:
    """Outcomes of the chosen returns: used, used with warnings, with errors (used or left out)."""
    counts = _counts(report)
    outcomes = []
    for rid, cand in chosen:
        n_err, n_warn = counts.get(rid, (0, 0))
        status = (ERRORS_USED if opts.include_errors else ERRORS_EXCLUDED) if n_err else (
            USED_WARNINGS if n_warn else USED)
        unit = registry.by_code(cand.item.ret.unit_code)  # type: ignore[union-attr]
        assert unit is not None
        message = {ERRORS_EXCLUDED: text("consolidate.has_errors_excluded", n=n_err),
                   ERRORS_USED: text("consolidate.errors_used", n=n_err)}.get(status, "")
        message = f"{message} {notes.get(rid, '')}".strip()
        outcomes.append(FileOutcome(cand.found.rel, cand.found.path, status, "has_errors" if n_err else "",
                                    message, unit.code, unit.name, unit.level, cand.item.facts.sha256, n_err,
                                    n_warn, cand.moment, is_late(cand.moment, opts.deadline), cand.time_source))
    return outcomes


def _say_left_out(outcomes: list[FileOutcome], where: list[tuple]) -> None:
    """Tell, on each used return's outcome, how many values were left out and which cells."""
    by_return: dict[str, list[tuple]] = {}
    for item in where:
        by_return.setdefault(item[0], []).append(item)
    for o in outcomes:
        items = by_return.get(o.rel)
        if not items:
            continue
        o.values_left_out = len(items)
        cells = "; ".join(f"[{sheet}] {cell}" for _, sheet, cell, _ in items[:12])
        cells += " …" if len(items) > 12 else ""
        o.message = text("consolidate.values_left_out", n=o.n_errors, left=len(items), cells=cells)


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
        statuses.append(UnitStatus(unit, status, o.rel, o.submitted_at, o.n_errors, o.n_warnings, o.time_source))
    return statuses
