"""Generate one workbook per unit of a registry, on every core, with progress."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from workbooks.catalog.loader import known_levels, load_form
from workbooks.catalog.model import Form
from workbooks.registry import Registry, Unit
from workbooks.writer.assembler import generate_workbook, workbook_filename
from workbooks.writer.context import UnitInfo


@dataclass(frozen=True)
class Job:
    """One workbook to write (picklable: the form travels as its path)."""

    form_path: str
    unit: UnitInfo
    out: str
    year: int
    deadline: date | None
    contact: str
    generated_at: datetime


_FORMS: dict[str, Form] = {}


def _run(job: Job) -> str:
    form = _FORMS.get(job.form_path) or _FORMS.setdefault(job.form_path, load_form(job.form_path))
    generate_workbook(form, job.out, job.unit, job.year, job.deadline, job.contact, job.generated_at)
    return job.out


def unit_info(unit: Unit) -> UnitInfo:
    """The writer's view of a registry unit."""
    return UnitInfo(unit.code, unit.name, unit.level, known_levels().get(unit.level, unit.level),
                    unit.parent_code or "")


def generate_all(form: Form, registry: Registry, out_dir: str | Path, year: int | None = None,
                 deadline: date | None = None, contact: str = "", jobs: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write the blank template and one workbook per unit expected to fill ``form``.

    Args:
        form: the form.
        registry: the unit registry.
        out_dir: output folder (created).
        year: period year (the form's default when None).
        deadline: printed on every information sheet.
        contact: printed on every information sheet.
        jobs: worker processes (all cores when None; 1 runs in this process).
        progress: called with (done, total) after each workbook.

    Returns:
        Paths written, the template first.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    year = year or form.period.default_year
    now = datetime.now()
    units = [UnitInfo()] + [unit_info(u) for u in registry.expected_for(form.id, form.levels)]
    todo = [Job(form.path, u, str(out_dir / workbook_filename(form, u)), year, deadline, contact, now)
            for u in units]
    jobs = jobs or os.cpu_count() or 1
    done: list[Path] = []
    with ExitStack() as stack:
        if jobs == 1:
            results = map(_run, todo)
        else:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=jobs))
            results = pool.map(_run, todo, chunksize=max(1, len(todo) // (jobs * 8)))
        for out in results:
            done.append(Path(out))
            if progress:
                progress(len(done), len(todo))
    return done
