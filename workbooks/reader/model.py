"""What the reader hands to the rules: tidy values with the Excel cell of every value.

The contract (the validators, the add-in and the consolidation rely on it):

``Return.values`` — one row per value cell, columns ``VALUE_COLUMNS``:

=============  =====================================================================
return_id      str: identifies the return inside a batch (the file name, or a given id)
unit_code      str: the unit the return is for ("" when unknown)
form_id        str
sheet_id       str: the catalog sheet id
sheet          str: the sheet name as found in the file (may differ when renamed)
code           str: indicator value code (``X``, ``X:num``, ``X:den``) — list sheets: group code
column         str: value column key (indicator sheets; ``note`` for the Ghi chú cell of a
               row, kind text, optional) or list column key
item           int: 0 for indicator sheets; the list row ordinal (1, 2, …) for list sheets
row            int: 1-based Excel row; 0 when the cell is missing from the file
cell           str: "D14" (empty when missing)
kind           str: count, cumulative, decimal, percent, choice, yesno, text, date, rate
               (rate = computed percentage of a ratio row or a computed column)
raw            object: the cell content as found (cached value for formula cells)
number         float: parsed number (NaN when blank or not a number); rates: recomputed
text           str: normalised text (NFC, trimmed); dates as ISO yyyy-mm-dd; "" when blank
parse          str: "" ok · "blank" · "coerced:<how>" · "invalid:<why>" (see parse.py)
=============  =====================================================================

``Return.notices`` — what the reader noticed about the structure (renamed sheet, removed
table, deleted row, overwritten formula, legacy encoding …). Each notice has a stable id;
the validators turn notices into findings with Vietnamese messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbooks.catalog.model import Form

if TYPE_CHECKING:  # not imported at run time: the consolidation's reading processes do without pandas
    import pandas as pd

VALUE_COLUMNS = [
    "return_id", "unit_code", "form_id", "sheet_id", "sheet", "code", "column", "item",
    "row", "cell", "kind", "raw", "number", "text", "parse",
]


@dataclass(frozen=True)
class Notice:
    """Something the reader noticed: stable ``id``, where, and parameters for the message."""

    id: str
    severity: str  # error | warning
    sheet: str = ""
    cell: str = ""
    value: Any = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Return:
    """One return read back: identity, tidy values and structural notices."""

    return_id: str
    source: str
    form: Form
    form_version: int | None
    unit_code: str
    unit_name: str
    level: str | None
    period: int
    meta: dict[str, str]
    values: pd.DataFrame
    notices: list[Notice] = field(default_factory=list)


class ReturnRejected(Exception):  # noqa: N818 - a rejection, not a programming error
    """A file that cannot be read as a return at all (theirs, not ours).

    ``reason`` is a stable id: empty, not_excel, damaged, encrypted, unknown_form,
    no_data, too_large; ``message`` is Vietnamese and names the file.
    """

    def __init__(self, source: str, reason: str, message: str) -> None:
        self.source, self.reason, self.message = source, reason, message
        super().__init__(f"{source}: {message}")
