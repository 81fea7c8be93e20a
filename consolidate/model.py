"""Plain data passed between the consolidation steps (picklable, no DataFrames inside).

A file found in the folder goes through: ``scan`` (FoundFile) → ``ingest`` (Ingested: file
facts plus either a read return or a rejection) → ``select`` (FileOutcome: used, duplicate,
rejected …) → ``aggregate`` / ``output``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consolidate.blob import RECORD_COLUMNS
from workbooks.reader import FileFacts, Notice

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

STATUSES: tuple[str, ...] = (USED, USED_WARNINGS, ERRORS_USED, ERRORS_EXCLUDED, DUPLICATE, REJECTED,
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
    extra: dict[str, Any] = field(default_factory=dict)
