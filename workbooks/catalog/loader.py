"""Load form files (YAML) into the model, checking the catalog itself.

A catalog mistake is *ours*: ``CatalogError`` names the file and the entry, and a test
loads every shipped form so that such a mistake never reaches a province.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from workbooks.catalog.derive import derived_rules
from workbooks.catalog.fields import parse_signature
from workbooks.catalog.model import Form
from workbooks.catalog.parse_rows import parse_period, parse_rule
from workbooks.catalog.parse_sheets import parse_sheet
from workbooks.catalog.yaml_reader import (  # noqa: F401 - re-exported: the loader's public names
    ID_PATTERN,
    LEVELS_FILE,
    CatalogError,
    Reader,
    known_levels,
    load_yaml,
    no_duplicates,
)
from workbooks.messages import text

FORMS_DIR = Path(str(resources.files("workbooks") / "forms"))

_FORM_KEYS = {"id", "version", "title", "province", "year", "source", "derived_from_outline",
              "note", "period", "levels", "sheets", "rules", "signature", "summary_levels"}


def load_form(path: str | Path) -> Form:
    """Load and check one form file.

    Args:
        path: the YAML file.

    Returns:
        The form, with ``all_rules`` holding catalog rules plus derived ones
        (parts, ratios, column rules).

    Raises:
        CatalogError: the file is not a valid form; the message names file and entry.
    """
    path = Path(path)
    raw_bytes = path.read_bytes()
    r = Reader(path)
    try:
        data = load_yaml(raw_bytes.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise r.fail("tệp", text("catalog.yaml", error=str(exc))) from exc
    d = r.mapping(data, "form", _FORM_KEYS,
                  {"id", "version", "title", "province", "year", "source", "period", "sheets"})
    if not ID_PATTERN.match(str(d["id"])):
        raise r.fail("id", text("catalog.form_id"))
    if not isinstance(d["sheets"], list) or not d["sheets"]:
        raise r.fail("sheets", text("catalog.no_sheet"))
    sheets = tuple(parse_sheet(r, s, i) for i, s in enumerate(d["sheets"]))
    no_duplicates(r, [s.id for s in sheets], "sheets", "id sheet")
    no_duplicates(r, [s.name for s in sheets], "sheets", "tên sheet")
    rules = tuple(parse_rule(r, x, f"rules[{i}]", "rows") for i, x in enumerate(d.get("rules") or []))
    form = Form(
        id=str(d["id"]), version=int(d["version"]), title=r.text(d, "title", "title"),
        province=r.text(d, "province", "province"), year=int(d["year"]),
        source=r.text(d, "source", "source"), period=parse_period(r, d["period"]),
        levels=r.levels(d, "form"), sheets=sheets, rules=rules, note=r.text(d, "note", "note"),
        derived_from_outline=bool(d.get("derived_from_outline", False)), path=str(path),
        signature=parse_signature(r, d.get("signature")),
        summary_levels=r.levels({"levels": d.get("summary_levels")}, "summary_levels"),
        digest=hashlib.sha256(raw_bytes).hexdigest()[:16],
    )
    from workbooks.catalog.checks import check_form  # local: checks imports the model only

    check_form(form, r.fail)
    all_rules = rules + derived_rules(form)
    no_duplicates(r, [x.id for x in all_rules], "rules", "id quy tắc")
    return Form(**{**form.__dict__, "all_rules": all_rules})


def form_paths(directory: Path = FORMS_DIR) -> list[Path]:
    """The shipped form files, sorted by name (a form's report outline, ``*.report.yaml``, is not a form)."""
    return sorted(p for p in directory.glob("*.yaml") if not p.name.endswith(".report.yaml"))


@cache
def load_catalog(directory: Path = FORMS_DIR) -> dict[str, Form]:
    """Load every form of a directory, keyed by form id (CatalogError on any mistake)."""
    forms: dict[str, Form] = {}
    for path in form_paths(directory):
        form = load_form(path)
        if form.id in forms:
            raise CatalogError(path, "id", f"id biểu mẫu '{form.id}' trùng với {forms[form.id].path}")
        forms[form.id] = form
    return forms


def get_form(form_id: str) -> Form:
    """Return a shipped form by id; KeyError with the list of known ids otherwise."""
    catalog = load_catalog()
    if form_id not in catalog:
        raise KeyError(f"Không có biểu mẫu '{form_id}'. Các biểu mẫu: {', '.join(sorted(catalog))}")
    return catalog[form_id]
