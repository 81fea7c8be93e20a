"""One severity per rule everywhere: what the workbook's own validation refuses ("stop") is an
error in the checks too, and what the checks only warn about is never refused by the workbook."""

from __future__ import annotations

import openpyxl

from validators.schema_checks import cell_checks

REFUSED_BY_EXCEL = {"parse.not_number", "parse.not_date", "type.whole", "range", "range.date",
                    "choice.invalid"}


def test_the_checks_give_an_error_for_everything_excel_refuses(catalog):
    for form in catalog.values():
        severities = {c.name: c.severity for c in cell_checks(form, form.period.default_year)}
        assert {name: severities[name] for name in REFUSED_BY_EXCEL} == dict.fromkeys(REFUSED_BY_EXCEL, "error")


def test_every_validation_of_every_generated_workbook_stops(generated):
    for case in generated.values():
        wb = openpyxl.load_workbook(case.path)
        styles = {dv.errorStyle or "stop" for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
        assert styles == {"stop"}, (case.form.id, case.level, styles)


def test_the_workbook_enforces_only_error_rules(catalog):
    from xlsxwriter import Workbook

    from workbooks.writer.context import Context, UnitInfo  # the relations the writer puts in validations
    from workbooks.writer.indicator_sheet import _relations

    for form in catalog.values():
        for level in form.levels:
            ctx = Context(form=form, unit=UnitInfo("X", "X", level), year=form.period.default_year,
                          deadline=None, wb=Workbook(), styles=None)  # type: ignore[arg-type]
            enforced = {inst.rule.id for inst in ctx.instances if inst.rule.severity == "error"}
            for lay in ctx.layouts:
                if hasattr(lay, "lines"):
                    relations = _relations(ctx, lay.sheet.name)
                    for key in relations:
                        assert any(key in inst.left for inst in ctx.instances if inst.rule.id in enforced)
