"""Next round's form from this one: new id and version, the period moved on, codes kept.

Templates (``{year}``, ``{year-1}``) move by themselves; the literal years of the old period printed
in the form's and sheets' titles and in column labels are moved by the same number of years
and the note (indicator labels keep theirs: "so với năm 2015" is a baseline, not the period). Codes stay, so the
previous-round comparison keeps working; renamed codes come from a crosswalk (old code, new code)
and every code's old -> new pair is written beside the new form.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbooks.authoring.build import dump_yaml
from workbooks.catalog.loader import load_form, load_yaml
from workbooks.catalog.model import Form, IndicatorSheet

YEAR = re.compile(r"\b(19|20)\d{2}\b")


@dataclass(frozen=True)
class Renewed:
    """The new form, its file, and the crosswalk file (old code -> new code)."""

    form: Form
    path: Path
    crosswalk: Path


def renewed_id(form_id: str, year: int) -> str:
    """``sonla-2024`` -> ``sonla-2025``; an id without a year gets ``-2025``."""
    found = list(YEAR.finditer(form_id))
    if found:
        last = found[-1]
        return f"{form_id[:last.start()]}{year}{form_id[last.end():]}"
    return f"{form_id}-{year}"


def _shift(text: str, years: set[int], delta: int) -> str:
    return YEAR.sub(lambda m: str(int(m.group()) + delta) if int(m.group()) in years else m.group(), text)


def read_crosswalk(path: str | Path) -> dict[str, str]:
    """A two-column CSV (old code, new code; a header row is allowed) -> renames."""
    renames: dict[str, str] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 2 or not row[0].strip() or row[0].strip().lower() in {"ma_cu", "mã cũ", "old"}:
                continue
            renames[row[0].strip()] = row[1].strip()
    return renames


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rename(code: str, renames: dict[str, str]) -> str:
    base, sep, side = code.partition(":")
    return renames.get(base, base) + sep + side


def _renamed_rows(sheet: dict[str, Any], renames: dict[str, str]) -> None:
    if sheet.get("kind") != "indicators":
        return  # a list sheet's "rows" is its number of blank rows
    for row in sheet.get("rows") or []:
        if "code" in row:
            row["code"] = renames.get(str(row["code"]), str(row["code"]))
        if row.get("parts"):
            row["parts"]["codes"] = [_rename(str(c), renames) for c in row["parts"]["codes"]]


def renew_form(form: Form, year: int, out_dir: str | Path, renames: dict[str, str] | None = None,
               form_id: str | None = None) -> Renewed:
    """Write next round's form file and its crosswalk.

    Args:
        form: the form of this round (loaded from its YAML file).
        year: the report year of the new round.
        out_dir: where ``<new id>.yaml`` and ``<new id>.crosswalk.csv`` are written.
        renames: old code -> new code, for indicators renamed in the new round.
        form_id: the new id (default: the old id with its year replaced).

    Returns:
        The new form (checked by the catalog loader) and the files written.

    Raises:
        CatalogError: a rename makes the form invalid (a duplicate code, for instance).
    """
    renames = renames or {}
    data = load_yaml(Path(form.path).read_text(encoding="utf-8"))
    delta = year - form.period.default_year
    old_years = {form.period.default_year, form.period.default_year - 1, form.year}
    new_id = form_id or renewed_id(form.id, year)
    data.update(id=new_id, version=form.version + 1, year=form.year + delta,
                title=_shift(data["title"], old_years, delta))
    data["period"]["default_year"] = year
    if data["period"].get("deadline"):  # a literal deadline belongs to its round: every year moves
        data["period"]["deadline"] = YEAR.sub(lambda m: str(int(m.group()) + delta), str(data["period"]["deadline"]))
    data["source"] = f"{data['source']} — {form.id} v{form.version}"
    if data.get("note"):
        data["note"] = _shift(str(data["note"]), old_years, delta)
    for sheet in data["sheets"]:
        for key in ("title", "subtitle"):
            if sheet.get(key):
                sheet[key] = _shift(str(sheet[key]), old_years, delta)
        for col in sheet.get("columns") or []:
            for key in ("label", "group"):
                if col.get(key):
                    col[key] = _shift(str(col[key]), old_years, delta)
        _renamed_rows(sheet, renames)
    for rule in data.get("rules") or []:
        for side in ("left", "right"):
            refs = rule[side] if isinstance(rule[side], list) else [rule[side]]
            rule[side] = [c if _is_number(c) else _rename(str(c), renames) for c in refs]  # keep a constant
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{new_id}.yaml"
    path.write_text(f"# {new_id}: renewed from {form.id} (version {form.version}) for {year}.\n"
                    + dump_yaml(data), encoding="utf-8")
    new = load_form(path)
    crosswalk = out_dir / f"{new_id}.crosswalk.csv"
    with crosswalk.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ma_cu", "ma_moi"])
        for sheet in form.sheets:
            if isinstance(sheet, IndicatorSheet):
                for ind in sheet.indicators:
                    writer.writerow([ind.code, renames.get(ind.code, ind.code)])
    return Renewed(new, path, crosswalk)
