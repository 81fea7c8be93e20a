"""Whole-form consistency checks run by the loader (codes, parts, rule references)."""

from __future__ import annotations

from collections.abc import Callable

from workbooks.catalog.model import Form, IndicatorSheet
from workbooks.messages import text

Fail = Callable[[str, str], Exception]


def indicator_codes(form: Form) -> dict[str, str]:
    """Every value code of the form (ratio rows expanded) -> sheet id."""
    codes: dict[str, str] = {}
    for sheet in form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        for ind in sheet.indicators:
            codes[ind.code] = sheet.id
            if ind.spec.ratio:
                codes[f"{ind.code}:num"] = sheet.id
                codes[f"{ind.code}:den"] = sheet.id
    return codes


def check_form(form: Form, fail: Fail) -> None:
    """Raise (through ``fail``) on duplicate codes, dangling parts and rule references."""
    seen: dict[str, str] = {}
    for sheet in form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        for ind in sheet.indicators:
            if ind.code in seen:
                raise fail(f"sheets ({sheet.id}) mã {ind.code}",
                           f"mã chỉ tiêu bị trùng (đã có ở sheet {seen[ind.code]})")
            seen[ind.code] = sheet.id
    codes = indicator_codes(form)
    for sheet in form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        for ind in sheet.indicators:
            if ind.parts is None:
                continue
            entry = f"sheets ({sheet.id}) mã {ind.code}.parts"
            missing = [c for c in ind.parts.codes if c not in codes]
            if missing:
                raise fail(entry, text("catalog.part_unknown", codes=missing))
            if not ind.spec.numeric:
                raise fail(entry, text("catalog.part_not_number"))
            if ind.code in ind.parts.codes:
                raise fail(entry, text("catalog.part_of_itself"))
    for rule in form.rules:
        missing = [c for c in rule.left + rule.right if c not in codes]
        if missing:
            raise fail(f"rules ({rule.id})", text("catalog.rule_unknown_code", codes=missing))
    _check_levels(form, fail)


def _check_levels(form: Form, fail: Fail) -> None:
    """Levels named by ``summary_levels`` and per-level ``required`` are levels of the form."""
    outside = set(form.summary_levels) - set(form.levels)
    if outside:
        raise fail("summary_levels", text("forms.catalog.summary_levels", levels=sorted(outside)))
    for sheet in form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        for ind in sheet.indicators:
            outside = set(ind.required_levels) - set(form.levels)
            if form.levels and outside:
                raise fail(f"sheets ({sheet.id}) mã {ind.code}.required",
                           text("forms.catalog.required_form_levels", levels=sorted(outside)))
