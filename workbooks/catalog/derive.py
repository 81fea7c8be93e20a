"""Rules derived from declarations: parts ("Trong đó"), ratios and column rules."""

from __future__ import annotations

from workbooks.catalog.model import Form, IndicatorSheet, Rule


def _part_rules(sheet: IndicatorSheet) -> list[Rule]:
    rules = []
    for ind in sheet.indicators:
        if ind.parts is None:
            continue
        equal = ind.parts.rule == "sum"
        rules.append(Rule(
            id=f"parts:{ind.code}",
            left=ind.parts.codes,
            op="=" if equal else "<=",
            right=(ind.code,),
            severity="error",
            message=(f"Tổng các dòng 'Trong đó' phải bằng '{ind.label}'." if equal
                     else f"Tổng các dòng 'Trong đó' không được lớn hơn '{ind.label}'."),
            fix="Kiểm tra lại số tổng và từng dòng thành phần cho khớp nhau.",
            origin="parts",
        ))
    return rules


def _ratio_rules(sheet: IndicatorSheet) -> list[Rule]:
    rules = []
    for ind in sheet.indicators:
        if not ind.spec.ratio or ind.allow_over:
            continue
        num, den = ind.numerator, ind.denominator
        assert num is not None and den is not None
        rules.append(Rule(
            id=f"ratio:{ind.code}",
            left=(f"{ind.code}:num",),
            op="<=",
            right=(f"{ind.code}:den",),
            severity="error",
            message=f"'{num.label}' không được lớn hơn '{den.label}'.",
            fix="Kiểm tra lại tử số và mẫu số của tỷ lệ.",
            origin="ratio",
        ))
    return rules


def derived_rules(form: Form) -> tuple[Rule, ...]:
    """All rules the catalog implies besides its explicit ``rules``, in sheet order."""
    out: list[Rule] = []
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            out += _part_rules(sheet) + _ratio_rules(sheet) + list(sheet.column_rules)
    return tuple(out)
