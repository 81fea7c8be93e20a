"""Work done while the reading workers read, so the steps after reading start at once."""

from __future__ import annotations

import importlib
from contextlib import suppress
from functools import cached_property

from workbooks.catalog.model import Form

#: Modules of the steps after reading (pandera alone takes a fifth of a second), imported
#: while the workers read; the workers themselves never need them.
LATER_STEPS = ("validators", "consolidate.aggregate", "consolidate.output", "consolidate.tidy", "pyarrow.parquet")


def prepare_later_steps(form: Form, year: int) -> None:
    """Import the modules of the steps after reading and build the checks' context of the form.

    A catalog mistake met here is left for the checks to report.

    Args:
        form: the form consolidated.
        year: the period year.
    """
    for name in LATER_STEPS:
        importlib.import_module(name)
    from validators.context import FormContext, form_context

    ctx = form_context(form, year)
    for name, part in vars(FormContext).items():
        if isinstance(part, cached_property):
            with suppress(Exception):
                getattr(ctx, name)
    with suppress(Exception):
        check_one_value(form, year)


def check_one_value(form: Form, year: int) -> None:
    """Run the checks once on a single made-up value (the findings are dropped).

    pandera sets up its validation machinery on the first validation of the process (a
    hundred modules, a twentieth of a second); done here, the real check does not wait for it.

    Args:
        form: the form consolidated.
        year: the period year.
    """
    import pandas as pd

    from validators import validate_values
    from workbooks.catalog.model import IndicatorSheet
    from workbooks.reader import VALUE_COLUMNS

    sheet = next((s for s in form.sheets if isinstance(s, IndicatorSheet) and s.indicators), None)
    if sheet is None:
        return
    value = ["", "", form.id, sheet.id, sheet.name, sheet.indicators[0].code, sheet.columns[0].key, 0, 1, "A1",
             "count", 1, 1.0, "", ""]
    validate_values(form, pd.DataFrame([value], columns=VALUE_COLUMNS), None, year)
