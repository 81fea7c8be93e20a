"""A whole simulated round: a folder of returns as Sở Nội vụ receives them, and its truth."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from simulate.cells import compiled_for
from simulate.mistakes import Mistake, add_mistakes, choose_mistakes
from simulate.names import NEWER_SUFFIXES, emailed_name, unique_name
from simulate.oracle import as_number, violations
from simulate.prefill import plausible_prefill
from simulate.saved import stamp_saved_time
from workbooks.catalog.compiled import compile_form
from workbooks.catalog.instances import CellKey
from workbooks.catalog.loader import load_form
from workbooks.catalog.model import Form
from workbooks.registry import Registry, Unit
from workbooks.writer.assembler import generate_workbook
from workbooks.writer.batch import unit_info
from workbooks.writer.context import Prefill, UnitInfo


@dataclass
class UnitTruth:
    """What the simulation did for one expected unit.

    Attributes:
        code, name, level: the unit.
        status: ``written`` (a readable return), ``missing`` (nothing sent) or ``broken``
            (a damaged file was sent).
        path: the file that counts (the newer version for a duplicated unit); None when missing.
        files: every file written for the unit, oldest first.
        submitted_at: the file's modification time (None when missing).
        late: the file that counts (``path``) came after the deadline.
        duplicate: the unit sent two versions (``files`` holds both, ``path`` the newer).
        mistakes: the mistakes in ``path``.
        older_mistakes: the mistakes of the older version (duplicated unit).
        prefill: exactly what was written into ``path`` (None when missing).
        numbers: the number each numeric input cell of ``path`` means (None: blank or not a number).
        violated: ids of the rules the values of ``path`` break.
    """

    code: str
    name: str
    level: str
    status: str
    path: Path | None = None
    files: list[Path] = field(default_factory=list)
    submitted_at: datetime | None = None
    late: bool = False
    duplicate: bool = False
    mistakes: list[Mistake] = field(default_factory=list)
    older_mistakes: list[Mistake] = field(default_factory=list)
    prefill: Prefill | None = None
    numbers: dict[CellKey, float | None] = field(default_factory=dict)
    violated: list[str] = field(default_factory=list)


@dataclass
class SimulationTruth:
    """The truth of a simulated round: one ``UnitTruth`` per expected unit, in registry order."""

    form_id: str
    year: int
    deadline: datetime
    out_dir: Path
    seed: int
    units: dict[str, UnitTruth]

    def _codes(self, pred: Callable[[UnitTruth], bool]) -> list[str]:
        return [code for code, u in self.units.items() if pred(u)]

    @property
    def written(self) -> list[str]:
        """Units whose return is readable."""
        return self._codes(lambda u: u.status == "written")

    @property
    def missing(self) -> list[str]:
        """Units that sent nothing."""
        return self._codes(lambda u: u.status == "missing")

    @property
    def broken(self) -> list[str]:
        """Units that sent a damaged file."""
        return self._codes(lambda u: u.status == "broken")

    @property
    def late(self) -> list[str]:
        """Units whose file came after the deadline."""
        return self._codes(lambda u: u.late)

    @property
    def duplicated(self) -> list[str]:
        """Units that sent two versions."""
        return self._codes(lambda u: u.duplicate)

    @property
    def with_mistakes(self) -> list[str]:
        """Units whose counting file carries mistakes."""
        return self._codes(lambda u: bool(u.mistakes))

    @property
    def files(self) -> list[Path]:
        """Every file written into ``out_dir``."""
        return [p for u in self.units.values() for p in u.files]

    def by_file(self) -> dict[str, UnitTruth]:
        """File name -> the unit that sent it."""
        return {p.name: u for u in self.units.values() for p in u.files}


@dataclass(frozen=True)
class _Job:
    """One file to write (picklable: the form travels as its path)."""

    form_path: str
    unit: UnitInfo
    out: str
    year: int
    deadline: date
    contact: str
    generated_at: datetime
    prefill: Prefill
    mtime: float
    truncate: float | None = None


_FORMS: dict[str, Form] = {}


def _write(job: _Job) -> str:
    form = _FORMS.get(job.form_path) or _FORMS.setdefault(job.form_path, load_form(job.form_path))
    generate_workbook(form, job.out, job.unit, job.year, job.deadline, job.contact, job.generated_at,
                      job.prefill)
    stamp_saved_time(job.out, job.mtime)  # the unit's own save: survives a copy of the folder
    if job.truncate is not None:
        size = os.path.getsize(job.out)
        with open(job.out, "r+b") as fh:
            fh.truncate(int(size * job.truncate))
    os.utime(job.out, (job.mtime, job.mtime))
    return job.out


def _numbers(form: Form, level: str, prefill: Prefill, mistakes: list[Mistake]) -> dict[CellKey, float | None]:
    cells = compiled_for(form, level).cells
    meant = {m.cell: m.number for m in mistakes}
    out: dict[CellKey, float | None] = {}
    for key, cell in cells.items():
        if not cell.numeric:
            continue
        out[key] = meant[key] if key in meant else as_number(prefill.cells.get(key))
    return out


def _deadline_at(deadline: date | datetime) -> datetime:
    if isinstance(deadline, datetime):
        return deadline
    return datetime.combine(deadline, time(23, 59, 59))


def _sample(pool: list[str], n: int, rng: random.Random, what: str) -> list[str]:
    if n > len(pool):
        raise ValueError(f"không đủ đơn vị để chọn {n} đơn vị {what} (còn {len(pool)})")
    return rng.sample(pool, n)


def simulate_round(form: Form, registry: Registry, out_dir: str | Path, year: int | None = None,
                   rng_seed: int = 2024, missing: int = 3, late: int = 2, with_mistakes: int = 3,
                   duplicate: int = 1, broken: int = 1, deadline: date | datetime | None = None,
                   contact: str = "", jobs: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> SimulationTruth:
    """Write a folder of returns as received by e-mail, and say what is in it.

    Every unit the registry expects for ``form`` sends one plausible return, except:
    ``missing`` units send nothing; ``broken`` units send a truncated (damaged) file;
    ``duplicate`` units send two versions (the older with a mistake, the newer corrected);
    ``with_mistakes`` units send a return with two or three typical mistakes; ``late`` units
    (any of those that sent a file) send it after the deadline (the workbook's last-saved time,
    and the file's modification time).
    The groups missing / broken / duplicate / with mistakes do not overlap.

    Args:
        form: the form.
        registry: the unit registry.
        out_dir: the folder to write (created).
        year: the period year (the form's default when None).
        rng_seed: seed of every random choice (same seed, same folder).
        missing: units that send nothing.
        late: units whose file comes after the deadline.
        with_mistakes: units whose return carries mistakes.
        duplicate: units that send two versions.
        broken: units that send a damaged file.
        deadline: the deadline (a date means the end of that day); 20 days after the period
            ends when None.
        contact: printed on the information sheets.
        jobs: worker processes (all cores when None; 1 writes in this process).
        progress: called with (done, total) after each file.

    Returns:
        The truth: per unit what was written, and which units are missing, late, duplicated,
        broken or with mistakes.

    Raises:
        ValueError: the registry has too few units for the requested groups.
        UnsatisfiableRules: the form's rules cannot all hold (a catalog bug).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    year = year or form.period.default_year
    rng = random.Random(rng_seed)
    compiled = compile_form(form, None, year)
    period, window = compiled.period, compiled.date_window
    due = _deadline_at(deadline or period[1] + timedelta(days=20))
    generated_at = datetime.combine(due.date() - timedelta(days=30), time(8, 0))
    units: list[Unit] = registry.expected_for(form.id, form.levels)
    codes = [u.code for u in units]
    missing_set = set(_sample(codes, missing, rng, "chưa nộp"))
    rest = [c for c in codes if c not in missing_set]
    broken_set = set(_sample(rest, broken, rng, "gửi tệp hỏng"))
    rest = [c for c in rest if c not in broken_set]
    duplicate_set = set(_sample(rest, duplicate, rng, "gửi hai bản"))
    rest = [c for c in rest if c not in duplicate_set]
    mistake_set = set(_sample(rest, with_mistakes, rng, "có lỗi"))
    senders = [c for c in codes if c not in missing_set]
    late_set = set(_sample(senders, late, rng, "nộp muộn"))

    truth: dict[str, UnitTruth] = {}
    todo: list[_Job] = []
    taken: set[str] = set()
    for unit in units:
        info = unit_info(unit)
        ut = UnitTruth(unit.code, unit.name, unit.level, "missing")
        truth[unit.code] = ut
        unit_rng = random.Random(f"{rng_seed}:{form.id}:{unit.code}")
        prefill = plausible_prefill(form, unit.level, unit_rng, year)
        if unit.code in missing_set:
            continue
        if unit.code in late_set:
            sent = due + timedelta(days=unit_rng.randint(1, 10), hours=unit_rng.randint(0, 8))
        else:
            sent = due - timedelta(days=unit_rng.randint(0, 12), hours=unit_rng.randint(8, 20))
        report_day = sent.date() - timedelta(days=unit_rng.randint(0, 2))
        prefill.info["report_date"] = min(max(report_day, window[0]), window[1])
        name = unique_name(emailed_name(form, info, year, unit_rng), taken)
        ut.status, ut.submitted_at, ut.late, ut.prefill = "written", sent, unit.code in late_set, prefill
        if unit.code in duplicate_set:
            older = Prefill(dict(prefill.cells), dict(prefill.notes), {k: list(v) for k, v in prefill.lists.items()},
                            {**prefill.info, "report_date": min(max(report_day - timedelta(days=3), window[0]),
                                                                 window[1])})
            ut.older_mistakes = add_mistakes(form, unit.level, older, unit_rng, ["done_gt_planned", "dash"])
            older_name = name
            name = unique_name(name[: -len(".xlsx")] + unit_rng.choice(NEWER_SUFFIXES) + ".xlsx", taken)
            older_sent = sent - timedelta(days=unit_rng.randint(2, 5))
            ut.files.append(out / older_name)
            todo.append(_Job(form.path, info, str(out / older_name), year, due.date(), contact, generated_at,
                             older, older_sent.timestamp()))
            ut.duplicate = True
        if unit.code in mistake_set:
            ut.mistakes = add_mistakes(form, unit.level, prefill, unit_rng, choose_mistakes(unit_rng))
        truncate = None
        if unit.code in broken_set:
            ut.status, truncate = "broken", unit_rng.uniform(0.3, 0.7)
        ut.path = out / name
        ut.files.append(ut.path)
        if ut.status == "written":
            ut.numbers = _numbers(form, unit.level, prefill, ut.mistakes)
            values = {k: v for k, v in ut.numbers.items() if v is not None}
            ut.violated = sorted({i.rule.id for i in violations(form, unit.level, values)})
        todo.append(_Job(form.path, info, str(ut.path), year, due.date(), contact, generated_at, prefill,
                         sent.timestamp(), truncate))
    _run_jobs(todo, jobs, progress)
    return SimulationTruth(form.id, year, due, out, rng_seed, truth)


def _run_jobs(todo: list[_Job], jobs: int | None, progress: Callable[[int, int], None] | None) -> None:
    jobs = jobs or os.cpu_count() or 1
    if len(todo) < 16:
        jobs = 1
    done = 0
    with ExitStack() as stack:
        if jobs == 1:
            results: Iterable[str] = map(_write, todo)
        else:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=jobs))
            results = pool.map(_write, todo, chunksize=max(1, len(todo) // (jobs * 8)))
        for _ in results:
            done += 1
            if progress:
                progress(done, len(todo))

