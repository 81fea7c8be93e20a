"""``cchc form export|build|import|renew``: author forms in Excel without a programmer.

Exit codes: 0 done · 1 the definition workbook has mistakes (each printed with sheet and row)
· 2 a file or form cannot be found or read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cchc.commands.common import add_command
from workbooks.catalog.loader import CatalogError, get_form, load_catalog, load_form
from workbooks.catalog.model import Form, IndicatorSheet
from workbooks.messages import say, text

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def resolve_form(name: str) -> Form:
    """A shipped form by id, or a form file by path (KeyError with the message otherwise)."""
    if name.endswith((".yaml", ".yml")) and Path(name).is_file():
        return load_form(name)
    try:
        return get_form(name)
    except KeyError:
        raise KeyError(text("authoring.cli.unknown_form", form_id=name,
                            known=", ".join(sorted(load_catalog())))) from None


def _indicators(form: Form) -> int:
    return sum(len(s.indicators) for s in form.sheets if isinstance(s, IndicatorSheet))


def run_export(args: argparse.Namespace) -> int:
    """Write the definition workbook of a form."""
    from workbooks.authoring import write_definition

    try:
        form = resolve_form(args.form_id)
    except (KeyError, CatalogError) as exc:
        print(exc.args[0] if isinstance(exc, KeyError) else exc, file=sys.stderr)
        return EXIT_UNREADABLE
    out = Path(args.out or f"{form.id}.xlsx")
    write_definition(form, out)
    print(text("authoring.cli.exported", form_id=form.id, path=out))
    return EXIT_OK


def build_definition(path: str | Path, out: str | Path | None = None) -> Form:
    """Build a definition workbook into a form file (``out``, default ``<form id>.yaml`` beside it).

    Raises:
        DefinitionError: the workbook has mistakes.
    """
    from workbooks.authoring import build_form, read_definition

    path = Path(path)
    if out is None:
        data, _ = read_definition(path)
        out = path.with_name(f"{data['id']}.yaml") if data else path.with_suffix(".yaml")
    return build_form(path, out).form


def print_problems(path: Path, problems: list) -> None:
    """Print located definition errors, then the count."""
    for problem in problems:
        print(str(problem), file=sys.stderr)
    print(text("authoring.cli.errors", file=path.name, count=len(problems)), file=sys.stderr)


def build_from_definition(definition: str | Path, out_dir: str | Path) -> Path | None:
    """For ``cchc generate BIEU.xlsx``: build the form into ``out_dir`` (errors printed; None then)."""
    from workbooks.authoring import DefinitionError, read_definition

    path = Path(definition)
    data, problems = read_definition(path)
    if data is None:
        print_problems(path, problems)
        return None
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    try:
        return Path(build_definition(path, Path(out_dir) / f"{data['id']}.yaml").path)
    except DefinitionError as exc:
        print_problems(path, exc.problems)
        return None


def run_build(args: argparse.Namespace) -> int:
    """Check a definition workbook and write the catalog form."""
    from workbooks.authoring import DefinitionError

    path = Path(args.definition)
    try:
        form = build_definition(path, args.out)
    except DefinitionError as exc:
        print_problems(path, exc.problems)
        unreadable = [p for p in exc.problems if p.id == "authoring.error.not_workbook"]
        return EXIT_UNREADABLE if unreadable else EXIT_ERRORS
    print(text("authoring.cli.built", form_id=form.id, version=form.version, sheets=len(form.sheets),
               indicators=_indicators(form), path=form.path))
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    """Draft the definition workbook of an appendix (.docx/.xlsx)."""
    from workbooks.authoring import write_definition
    from workbooks.authoring.importer import AppendixUnreadable, import_appendix

    path = Path(args.appendix)
    try:
        imported = import_appendix(path, args.id, args.province or "", args.year)
    except AppendixUnreadable as exc:
        message = ("authoring.import.no_table" if exc.reason == "no-table" else "authoring.import.unreadable")
        print(text(message, file=path.name, reason=exc.reason), file=sys.stderr)
        return EXIT_UNREADABLE
    form = imported.form
    out = Path(args.out or path.with_name(f"{form.id}.xlsx"))
    write_definition(form, out, imported.reviews)
    print(text("authoring.cli.imported", file=path.name, sheets=len(form.sheets), indicators=_indicators(form),
               review=len(imported.reviews), path=out))
    return EXIT_OK


def run_renew(args: argparse.Namespace) -> int:
    """Write next round's form (codes kept) and its crosswalk."""
    from workbooks.authoring.renew import read_crosswalk, renew_form

    try:
        form = resolve_form(args.form_id)
        renames = read_crosswalk(args.crosswalk) if args.crosswalk else {}
        renewed = renew_form(form, args.year, args.out, renames, args.id)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as exc:
        print(text("authoring.import.unreadable", file=Path(exc.filename or "").name,
                   reason=type(exc).__name__), file=sys.stderr)
        return EXIT_UNREADABLE
    except CatalogError as exc:
        print(text("authoring.error.catalog", detail=str(exc)), file=sys.stderr)
        return EXIT_ERRORS
    new = renewed.form
    print(text("authoring.cli.renewed", form_id=new.id, version=new.version, year=str(args.year), source=form.id,
               path=renewed.path, crosswalk=renewed.crosswalk))
    return EXIT_OK


def register(sub) -> None:
    """Add ``form`` and its subcommands."""
    intro = say("authoring.cli.help.form")
    p = add_command(sub, "form", intro.text, f"{intro.text}.\n{intro.fix}")
    inner = p.add_subparsers(title=text("authoring.cli.subcommands"), metavar="VIỆC")

    def command(name: str) -> argparse.ArgumentParser:
        help_ = say(f"authoring.cli.help.{name}")
        return add_command(inner, name, help_.text, f"{help_.text}.\n{help_.fix}")

    e = command("export")
    e.add_argument("form_id", metavar="MÃ_BIỂU_MẪU", help=text("authoring.cli.arg.form_id"))
    e.add_argument("--out", metavar="TỆP.xlsx", help=text("authoring.cli.arg.out_xlsx"))
    e.set_defaults(func=run_export)

    b = command("build")
    b.add_argument("definition", metavar="TỆP.xlsx", help=text("authoring.cli.arg.definition"))
    b.add_argument("--out", metavar="TỆP.yaml", help=text("authoring.cli.arg.out_yaml"))
    b.set_defaults(func=run_build)

    i = command("import")
    i.add_argument("appendix", metavar="PHỤ_LỤC", help=text("authoring.cli.arg.appendix"))
    i.add_argument("--out", metavar="TỆP.xlsx", help=text("authoring.cli.arg.out_xlsx"))
    i.add_argument("--id", metavar="MÃ", help=text("authoring.cli.arg.id"))
    i.add_argument("--province", metavar="TỈNH", help=text("authoring.cli.arg.province"))
    i.add_argument("--year", type=int, metavar="NĂM", help=text("authoring.cli.arg.year"))
    i.set_defaults(func=run_import)

    r = command("renew")
    r.add_argument("form_id", metavar="MÃ_BIỂU_MẪU", help=text("authoring.cli.arg.form_id"))
    r.add_argument("--year", type=int, required=True, metavar="NĂM", help=text("authoring.cli.arg.renew_year"))
    r.add_argument("--out", default=".", metavar="THƯ_MỤC", help=text("authoring.cli.arg.out_dir"))
    r.add_argument("--id", metavar="MÃ", help=text("authoring.cli.arg.id"))
    r.add_argument("--crosswalk", metavar="TỆP.csv", help=text("authoring.cli.arg.crosswalk"))
    r.set_defaults(func=run_renew)
    p.set_defaults(func=lambda _args: p.print_help() or 0)
