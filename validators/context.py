"""What the checks derive from a compiled form (cell spec arrays, pandera schema, rule instances).

Building the cell spec, the cell checks and the pandera schema of a form costs far more than
checking one return, so they are built once per compiled form (``compile_form(form, None,
year)``) and kept on it (``CompiledForm.derived``): the validators keep no cache of their own.
Every part is built lazily, in the order the checks need it, so a catalog mistake raises
``CatalogError`` exactly where it did before.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
import pandera.pandas as pa

from validators.frame import STR, object_array
from validators.schema_checks import CellCheck, build_schema, cell_checks
from validators.spec import cell_spec, list_spec
from workbooks.catalog import CatalogError
from workbooks.catalog.compiled import CompiledForm, compile_form
from workbooks.catalog.instances import CellKey, RuleInstance, rule_instances
from workbooks.catalog.layout import list_layout
from workbooks.catalog.model import Form, ListSheet

CACHE_SIZE = 32  # sets of present cells whose rule instances are kept
MESSAGE_FIELDS = ("spec_kind", "choices", "choices_text", "label", "computed")


class FormContext:
    """What the checks of one form and period year need, derived from the catalog once."""

    def __init__(self, compiled: CompiledForm) -> None:
        """Nothing is built yet: every part is a cached property.

        Args:
            compiled: the form compiled for every level (``compile_form(form, None, year)``).
        """
        self.compiled = compiled
        self.form = compiled.form
        self.year = compiled.year
        self._instances: dict[frozenset[CellKey], list[RuleInstance]] = {}

    # ------------------------------------------------------------------ indicator cells
    @cached_property
    def spec(self) -> pd.DataFrame:
        """``cell_spec(form, year)``; raises ``CatalogError`` on a catalog mistake."""
        spec = cell_spec(self.form, self.year)
        if spec.duplicated(["code", "column"]).any():
            raise CatalogError(self.form.path or self.form.id, "code", "mã chỉ tiêu bị trùng")
        return spec

    @cached_property
    def spec_index(self) -> dict[tuple[str, str], int]:
        """``(code, column)`` -> row of :attr:`spec` (``len(spec)`` is the "no spec" row)."""
        return {key: i for i, key in enumerate(zip(self.spec["code"], self.spec["column"], strict=True))}

    @cached_property
    def spec_kind(self) -> pd.api.extensions.ExtensionArray:
        """``spec_kind`` per spec row plus ``""`` for the "no spec" row (string dtype)."""
        return pd.array([*self.spec["spec_kind"].tolist(), ""], dtype=STR)

    @cached_property
    def spec_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(min, max)`` per spec row plus NaN for the "no spec" row."""
        lo, hi = (pd.to_numeric(self.spec[c], errors="coerce").astype("float64").to_numpy() for c in ("min", "max"))
        return np.append(lo, np.nan), np.append(hi, np.nan)

    @cached_property
    def spec_required(self) -> np.ndarray:
        """``required`` per spec row plus False for the "no spec" row."""
        return np.append(self.spec["required"].fillna(False).astype(bool).to_numpy(), False)

    @cached_property
    def spec_objects(self) -> dict[str, np.ndarray]:
        """``spec_kind``, ``choices``, ``choices_text``, ``label``, ``computed`` per spec row, plus NaN
        (no spec) as the last entry: object arrays for the message parameters of failing rows."""
        return {c: object_array([*self.spec[c].tolist(), np.nan]) for c in MESSAGE_FIELDS}

    @cached_property
    def restricted(self) -> dict[str, frozenset[str]]:
        """Codes of level-restricted rows -> the levels they apply to."""
        out: dict[str, set[str]] = {}
        for code, levels in zip(self.spec["code"], self.spec["levels"], strict=True):
            if len(levels):
                out.setdefault(code, set()).update(levels)
        return {code: frozenset(levels) for code, levels in out.items()}

    # ------------------------------------------------------------------ list columns
    @cached_property
    def lists(self) -> pd.DataFrame:
        """``list_spec(form)``."""
        return list_spec(self.form)

    @cached_property
    def list_index(self) -> dict[tuple[str, str], int]:
        """``(sheet_id, column)`` -> row of :attr:`lists`."""
        return {key: i for i, key in enumerate(zip(self.lists["sheet_id"], self.lists["column"], strict=True))}

    @cached_property
    def list_objects(self) -> dict[str, np.ndarray]:
        """As :attr:`spec_objects` for the list columns (no ``spec_kind``, no ``computed``: NaN)."""
        lists, gap = self.lists, [np.nan] * (len(self.lists) + 1)
        return {c: object_array([*lists[c].tolist(), np.nan] if c in lists else gap) for c in MESSAGE_FIELDS}

    @cached_property
    def list_cols(self) -> dict[str, dict[str, int]]:
        """List sheet id -> column key -> 0-based template column."""
        return {s.id: dict(list_layout(s).cols) for s in self.form.sheets if isinstance(s, ListSheet)}

    # ------------------------------------------------------------------ checks and dates
    @cached_property
    def checks(self) -> list[CellCheck]:
        """``cell_checks(form, year)``."""
        return cell_checks(self.form, self.year)

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        """``build_schema(checks)``, built once."""
        return build_schema(self.checks)

    @cached_property
    def period(self) -> tuple[date, date]:
        """First and last day of the period."""
        return self.compiled.period

    @cached_property
    def window(self) -> tuple[date, date]:
        """Dates accepted in date cells (the period ± one year)."""
        return self.compiled.date_window

    # ------------------------------------------------------------------ rules
    def instances(self, present: set[CellKey]) -> list[RuleInstance]:
        """``rule_instances(form, present)``, cached per set of present cells.

        Args:
            present: the value cells found in at least one return.

        Returns:
            The rule instances (shared: do not modify).
        """
        key = frozenset(present)
        found = self._instances.get(key)
        if found is None:
            found = rule_instances(self.form, present)
            if len(self._instances) < CACHE_SIZE:
                self._instances[key] = found
        return found


def form_context(form: Form, year: int) -> FormContext:
    """What the checks of ``form`` need for the period ``year``, kept on its compiled form.

    Args:
        form: the form.
        year: the period year.

    Returns:
        The context; its parts are built on first use.
    """
    return compile_form(form, None, year).derived("validators", FormContext)
