"""``Report``: the findings of one validation run (one return or a whole batch)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from validators.findings import Finding

_CELL = re.compile(r"^([A-Z]+)(\d+)$")
FINDING_COLUMNS = [f.name for f in fields(Finding)]


@dataclass
class Report:
    """Findings of a validation run, errors and warnings together.

    Attributes:
        findings: every finding, ordered by return, sheet, cell, rule.
    """

    findings: list[Finding] = field(default_factory=list)

    @property
    def n_errors(self) -> int:
        """Number of error findings."""
        return sum(f.severity == "error" for f in self.findings)

    @property
    def n_warnings(self) -> int:
        """Number of warning findings."""
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings do not make a return invalid)."""
        return self.n_errors == 0

    def errors(self) -> list[Finding]:
        """The error findings."""
        return [f for f in self.findings if f.severity == "error"]

    def warnings(self) -> list[Finding]:
        """The warning findings."""
        return [f for f in self.findings if f.severity == "warning"]

    def for_return(self, return_id: str) -> Report:
        """The findings of one return.

        Args:
            return_id: the return.

        Returns:
            A new report with only that return's findings.
        """
        return Report([f for f in self.findings if f.return_id == return_id])

    def to_frame(self) -> pd.DataFrame:
        """One row per finding, columns as the :class:`Finding` fields.

        Returns:
            A DataFrame (empty with the columns when there is no finding).
        """
        rows = [f.to_dict() for f in self.findings]
        frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
        frame["cells"] = frame["cells"].map(tuple)
        return frame

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary with every finding.

        Returns:
            ``{"valid", "n_errors", "n_warnings", "findings": [...]}``.
        """
        return {
            "valid": self.valid,
            "n_errors": self.n_errors,
            "n_warnings": self.n_warnings,
            "findings": [f.to_dict() for f in self.findings],
        }

    def merge(self, *others: Report) -> Report:
        """Combine reports (e.g. of several batches) into one, keeping their order.

        Works both ways: ``Report.merge(a, b, c)`` and ``a.merge(b, c)`` (and ``a + b``).

        Args:
            *others: the reports after this one.

        Returns:
            A new report with all findings.
        """
        return Report([f for r in (self, *others) for f in r.findings])

    def __add__(self, other: Report) -> Report:
        return self.merge(other)

    def __len__(self) -> int:
        return len(self.findings)


def sort_findings(findings: list[Finding], return_order: dict[str, int]) -> list[Finding]:
    """Order findings by return (as given), sheet, row, column, then rule id.

    Args:
        findings: the findings.
        return_order: return id -> position in the batch.

    Returns:
        A new sorted list.
    """
    return sorted(findings, key=lambda f: (return_order.get(f.return_id, len(return_order)),
                                            f.return_id, f.sheet, *_cell_key(f.cell), f.rule_id))


def _cell_key(cell: str) -> tuple[int, int]:
    match = _CELL.match(cell or "")
    if not match:
        return (0, 0)
    letters, digits = match.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits), col
