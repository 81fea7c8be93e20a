"""Plain data passed between the consolidation steps (picklable, no DataFrames inside).

A file found in the folder goes through: ``scan`` (FoundFile) → ``ingest`` (Ingested: file
facts plus either a read return or a rejection) → ``select`` (FileOutcome: used, duplicate,
rejected …) → ``aggregate`` / ``output``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consolidate.blob import RECORD_COLUMNS
from workbooks.reader import FileFacts, Notice

if TYPE_CHECKING:  # the reading workers import this module: no pandas, validators or catalog here
    import pandas as pd

    from consolidate.aggregate import Aggregates
    from consolidate.previous import PreviousRound
    from validators import Report
    from workbooks.catalog.model import Form
    from workbooks.registry import Registry, Unit

# re-exported: the per-return value columns (see ``blob``); the file facts the reader gives
__all__ = ["RECORD_COLUMNS", "FileFacts"]

# File statuses (stable ids; Vietnamese labels in ``labels.py``).
USED = "used"  # accepted, no finding
USED_WARNINGS = "used_warnings"  # accepted, warnings only
ERRORS_USED = "errors_used"  # has errors, included (--include-errors)
ERRORS_EXCLUDED = "errors_excluded"  # has errors, left out of the totals
DUPLICATE = "duplicate"  # an older return of a unit that has a newer one
REJECTED = "rejected"  # cannot be used (reason says why)
NOT_EXCEL = "not_excel_file"  # not .xlsx/.xlsm/.xls: listed, never opened

CONFLICT = "conflict"  # its identity is in doubt: the Sở decides (never used on its own)

STATUSES: tuple[str, ...] = (USED, USED_WARNINGS, ERRORS_USED, ERRORS_EXCLUDED, DUPLICATE, CONFLICT, REJECTED,
                             NOT_EXCEL)
IN_TOTALS: frozenset[str] = frozenset({USED, USED_WARNINGS, ERRORS_USED})


@dataclass(frozen=True)
class FoundFile:
    """A file under the folder.

    Attributes:
        path: absolute path.
        rel: path relative to the folder (what people see).
        excel: True for .xlsx / .xlsm / .xls (read); False for anything else (listed only).
        skip_reason: set for files never opened (other extension, Excel lock file …).
    """

    path: str
    rel: str
    excel: bool
    skip_reason: str = ""


@dataclass
class ReturnData:
    """A return read from a file, as plain data.

    Attributes:
        sha256: content hash of the file it was read from (the return's identity).
        form_id: form identified.
        form_version: version the file carries (None when it carries none).
        unit_code: unit ("" when the file names none: a blank template).
        unit_name: unit name as written in the file.
        level: unit level written in the file (None when absent).
        period: period year.
        meta: metadata key/values found in the file.
        notices: structural notices of the reader.
        blob: the values, encoded (``consolidate.blob.encode_records``).
        n_values: number of value records.
    """

    sha256: str
    form_id: str
    form_version: int | None
    unit_code: str
    unit_name: str
    level: str | None
    period: int
    meta: dict[str, str]
    notices: list[Notice]
    blob: bytes
    n_values: int

    @property
    def generated_at(self) -> str:
        """When the workbook was generated (metadata), "" when unknown."""
        return self.meta.get("generated_at", "")


@dataclass
class Ingested:
    """The result of the per-file step: facts plus a return or a rejection.

    Attributes:
        facts: file facts (size, time, hash …).
        ret: the return read, or None when rejected.
        reason: rejection id (the reader's ``REASONS``: empty, not_excel, damaged, encrypted,
            too_large, far_cells, timeout, memory …; or unknown_form) when ``ret`` is None.
        message: Vietnamese message of the rejection.
        seconds: time spent on this file.
        cached: True when it came from the store instead of the file.
    """

    facts: FileFacts
    ret: ReturnData | None = None
    reason: str = ""
    message: str = ""
    seconds: float = 0.0
    cached: bool = False


@dataclass
class FileOutcome:
    """What became of one file found in the folder.

    Attributes:
        rel: path relative to the folder.
        path: absolute path.
        status: one of ``STATUSES``.
        reason: stable id of why (rejections and duplicates), "" otherwise.
        message: Vietnamese explanation.
        unit_code: unit of the return ("" when unknown).
        unit_name: its name (registry name when known).
        level: its level (registry).
        sha256: content hash ("" for files never opened).
        n_errors: errors found by the rules (accepted returns).
        n_warnings: warnings found by the rules.
        submitted_at: time used for timeliness (None when not a return).
        late: True/False against the deadline, None without a deadline.
        time_source: where ``submitted_at`` comes from (``TIME_SOURCES``), "" without a time.
        values_left_out: values of this return not counted because they fail their own check.
        extra: anything else a step wants to say about the file.
    """

    rel: str
    path: str
    status: str
    reason: str = ""
    message: str = ""
    unit_code: str = ""
    unit_name: str = ""
    level: str = ""
    sha256: str = ""
    n_errors: int = 0
    n_warnings: int = 0
    submitted_at: datetime | None = None
    late: bool | None = None
    time_source: str = ""
    values_left_out: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# Where a received time comes from (stable ids; Vietnamese labels in the message catalogue).
TIME_RECEIVED = "received"  # the --received list (e.g. exported from the mailbox)
TIME_SAVED = "saved"  # the workbook's own last-saved time (docProps/core.xml "modified")
TIME_FILE = "file"  # the file system's modification time (nothing better known)
TIME_SOURCES: tuple[str, ...] = (TIME_RECEIVED, TIME_SAVED, TIME_FILE)


def default_store(out: Path) -> Path:
    """The store beside an output workbook: ``tong_hop.xlsx`` -> ``tong_hop.sqlite``."""
    return Path(out).with_suffix(".sqlite")


def default_data_dir(out: Path) -> Path:
    """The tidy-data folder beside an output workbook: ``tong_hop.xlsx`` -> ``tong_hop_du_lieu/``."""
    out = Path(out)
    return out.with_name(out.stem + "_du_lieu")


@dataclass(frozen=True)
class Options:
    """What one consolidation run is asked to do (the command line's options, as one object).

    Attributes:
        folder: the folder of returns (read recursively; never modified).
        form_id: the form (``cchc forms``).
        registry: the unit registry (CSV/XLSX).
        out: the output workbook (.xlsx), written atomically.
        store: the SQLite store (None: next to ``out``, same name, ``.sqlite``).
        jobs: worker processes for reading (None: all cores).
        include_errors: use returns with errors in the totals (their failing values still left out).
        deadline: returns received after this day are late.
        period: the period year (None: the form's default).
        received: a CSV of received times (file name or SHA-256 -> date and time), overriding
            the times the workbooks carry.
        data_format: tidy data as ``parquet`` or ``csv`` (``none``: not written).
        write: write the workbook and the tidy data (False: compute only).
        previous: last round's tong_hop.xlsx or store, compared with this round (``--previous``).
    """

    folder: Path
    form_id: str
    registry: Path
    out: Path
    store: Path | None = None
    jobs: int | None = None
    include_errors: bool = False
    deadline: date | None = None
    period: int | None = None
    received: Path | None = None
    data_format: str = "parquet"
    write: bool = True
    previous: Path | None = None

    @property
    def out_path(self) -> Path:
        """The output workbook, absolute."""
        return Path(self.out).resolve()

    @property
    def store_path(self) -> Path:
        """The store: given, or ``tong_hop.xlsx`` -> ``tong_hop.sqlite`` beside the output."""
        return Path(self.store).resolve() if self.store else default_store(self.out_path)

    @property
    def data_dir(self) -> Path:
        """The tidy-data folder: ``tong_hop.xlsx`` -> ``tong_hop_du_lieu/`` beside the output."""
        return default_data_dir(self.out_path)

    @property
    def own_files(self) -> list[Path]:
        """Files and folders the run writes, left out when they lie inside the folder read."""
        store = self.store_path
        return [self.out_path, store, Path(f"{store}-wal"), Path(f"{store}-shm"), Path(f"{store}-journal"),
                self.data_dir]


@dataclass
class UnitStatus:
    """Submission status of one expected unit.

    ``status``: on_time, late, submitted (no deadline given), errors_excluded, conflict, missing.
    """

    unit: Unit
    status: str
    file: str = ""
    submitted_at: datetime | None = None
    n_errors: int = 0
    n_warnings: int = 0
    time_source: str = ""


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
        left_out: the values not counted because they fail their own check (``return_id``,
            ``sheet``, ``cell``, ``rule_id``), with ``--include-errors``.
        n_read: files read in this run (the others came from the store).
        n_cached: files whose stored result was reused.
        timings: seconds per step.
        out: the output workbook (set once written).
        data_files: tidy data files written.
        store_path: the store.
        run_id: the run's id in the store.
        generated_at: when the run ran.
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
    left_out: list[tuple[str, str, str, str]] = field(default_factory=list)
    n_read: int = 0
    n_cached: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    out: Path | None = None
    data_files: list[Path] = field(default_factory=list)
    store_path: Path | None = None
    run_id: int = 0
    generated_at: datetime = field(default_factory=datetime.now)
    previous: PreviousRound | None = None  # last round's figures (``--previous``)

    @property
    def used(self) -> list[FileOutcome]:
        """Outcomes of the returns whose values are in the totals."""
        return [o for o in self.outcomes if o.status in IN_TOTALS]

    @property
    def expected(self) -> int:
        """Number of units expected to send this form."""
        return len(self.units)


class ConsolidateError(Exception):
    """The consolidation cannot produce its output (message in Vietnamese).

    Attributes:
        exit_code: 2 for wrong arguments (form, registry, folder), 1 when writing failed.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
