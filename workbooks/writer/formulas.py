"""Excel formulas that mirror the catalog's checks inside the workbook.

They feed the hidden error columns (→ conditional formatting and the status cell) and
the custom data validations. The authoritative checks are in ``validators/``; these are
the same rules expressed in Excel so a unit sees mistakes while typing or pasting.
"""

from __future__ import annotations

from datetime import date

from workbooks.catalog.model import Rule

Bound = float | int | None


def _num(x: float | int) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def number_ok(ref: str, lo: Bound, hi: Bound, integer: bool) -> str:
    """Boolean expression, valid only when ``ref`` holds a number: bounds (and integrality)."""
    conds = []
    if lo is not None:
        conds.append(f"{ref}>={_num(lo)}")
    if hi is not None:
        conds.append(f"{ref}<={_num(hi)}")
    if integer:
        conds.append(f"{ref}=INT({ref})")
    return f"AND({','.join(conds)})" if conds else "TRUE"


def excel_date(d: date) -> str:
    """``DATE(y,m,d)``."""
    return f"DATE({d.year},{d.month},{d.day})"


def value_ok(ref: str, excel: str, lo: Bound = None, hi: Bound = None,
             choices: tuple = (), dates: tuple[date, date] | None = None) -> str:
    """Boolean expression: the non-blank cell ``ref`` holds a valid value of the Excel family
    ``excel`` (whole, decimal, choice, yesno, date, text: the kinds table's ``excel`` field).

    Nested IFs keep Excel from evaluating ``INT("abc")`` (AND/OR are not lazy).
    """
    if excel in {"whole", "decimal"}:
        return f"IF(ISNUMBER({ref}),{number_ok(ref, lo, hi, excel == 'whole')},FALSE)"
    if excel == "choice" or excel == "yesno":
        options = ",".join(
            f"{ref}={_num(c)}" if isinstance(c, int | float) else f'{ref}="{c}"' for c in choices
        )
        numeric = all(isinstance(c, int | float) for c in choices)
        test = f"OR({options})"
        return f"IF(ISNUMBER({ref}),{test},FALSE)" if numeric else f"IF(ISNUMBER({ref}),FALSE,{test})"
    if excel == "date":
        assert dates is not None
        lo_d, hi_d = dates
        return f"IF(ISNUMBER({ref}),AND({ref}>={excel_date(lo_d)},{ref}<={excel_date(hi_d)}),FALSE)"
    if excel == "text":
        return f"LEN({ref})<=2000"
    raise ValueError(f"unknown Excel value family {excel!r}")


def error_flag(ref: str, ok_expr: str) -> str:
    """1 when ``ref`` is filled and invalid, else 0."""
    return f'IF({ref}="",0,IF({ok_expr},0,1))'


def compare(left: list[str], op: str, right: list[str], factor: float = 1.0,
            constant: float = 0.0) -> str:
    """Boolean: ``sum(left) op factor*sum(right) + constant`` (rounded to avoid float noise)."""
    lhs = "+".join(left)
    rhs = "+".join(right) or "0"
    scaled = f"({rhs})*{_num(factor)}" if factor != 1 else f"({rhs})"
    if constant:
        scaled = f"({scaled}+{_num(constant)})"
    excel_op = "=" if op == "=" else op
    return f"ROUND(({lhs})-{scaled},6){excel_op}0"


def rule_violation(rule: Rule, left: list[str], right: list[str]) -> str:
    """1 when every cell of the rule holds a number and the comparison fails, else 0."""
    all_refs = left + right
    filled = ",".join(f"ISNUMBER({r})" for r in all_refs)
    return f"IF(AND({filled}),IF({compare(left, rule.op, right, rule.factor, rule.constant)},0,1),0)"


def custom_validation(ref: str, base_ok: str, relations: list[str]) -> str:
    """Custom data-validation formula: valid value and every ``<=`` relation holds."""
    parts = [f"ISNUMBER({ref})", base_ok] + relations
    return "=AND(" + ",".join(parts) + ")"


def relation(left: list[str], right: list[str]) -> str:
    """``sum(left) <= sum(right)`` unless a right-side cell is still blank."""
    rhs_filled = ",".join(f"ISNUMBER({r})" for r in right)
    return f"OR(NOT(AND({rhs_filled})),({'+'.join(left)})<=({'+'.join(right)}))"


def status_text(errors_expr: str) -> str:
    """The per-sheet status cell: 'Còn N lỗi cần sửa' or 'Chưa phát hiện lỗi'."""
    return f'=IF(({errors_expr})>0,"Còn "&({errors_expr})&" lỗi cần sửa","Chưa phát hiện lỗi")'


def missing_text(missing_expr: str) -> str:
    """The cell beside the status: how many required cells are still blank."""
    return f'=IF(({missing_expr})>0,"Còn "&({missing_expr})&" ô bắt buộc chưa nhập","Đã nhập đủ các ô bắt buộc")'


def rate(num: str, den: str, scale: int = 100, decimals: int = 2) -> str:
    """Computed percentage (or plain ratio with ``scale`` 1), blank until both cells hold numbers
    and the denominator > 0."""
    scaled = f"{num}/{den}*{scale}" if scale != 1 else f"{num}/{den}"
    return f'=IF(AND(ISNUMBER({num}),ISNUMBER({den})),IF({den}>0,ROUND({scaled},{decimals}),""),"")'
