"""The report outline declared beside a form (``<form>.report.yaml``): sections and key sentences.

A sentence names its figures (``{nv_xong}``) and says which total each is (``"I.1.b"``,
``"II.2.4.a:den"``, ``"CODE@column:measure"``); the code checks every figure exists in the
form, and fills it from the consolidation's totals, written the Vietnamese way (1.054; 99,9).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from consolidate.summary_sheet import OutLine, out_lines, row_measure, shown_value
from workbooks.catalog.model import Form, IndicatorSheet
from workbooks.messages import fill, text, vi_number

_DECIMAL_MEASURES = {"rate", "median", "min", "max"}


class OutlineError(Exception):
    """The outline file is missing or wrong (message in Vietnamese)."""


@dataclass(frozen=True)
class FigureRef:
    """One province total: value code, value column, measure."""

    code: str
    column: str
    measure: str


@dataclass(frozen=True)
class Sentence:
    """A sentence template and the totals it names."""

    text: str
    figures: dict[str, FigureRef] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A heading of the outline (level 1: Phần, 2: I., 3: 1.) with its sentences."""

    heading: str
    level: int
    sentences: tuple[Sentence, ...] = ()
    placeholder: bool = False


@dataclass(frozen=True)
class Outline:
    """The report outline of one form."""

    form_id: str
    title_block: dict[str, str]
    report_title: str
    report_subtitle: str
    recipients: tuple[str, ...]
    sections: tuple[Section, ...]
    path: Path


def outline_path(form: Form) -> Path:
    """Where a form's outline lives: ``sonla-2024.yaml`` → ``sonla-2024.report.yaml``."""
    path = Path(form.path)
    return path.with_name(f"{path.stem}.report.yaml")


def _lines(form: Form) -> dict[str, tuple[IndicatorSheet, OutLine]]:
    found: dict[str, tuple[IndicatorSheet, OutLine]] = {}
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            for line in out_lines(sheet):
                if line.code and line.role == "value":
                    found.setdefault(line.code, (sheet, line))
    return found


def _split(ref: str) -> tuple[str, str, str]:
    """``"CODE[@column][:measure]"`` → (code, column, measure); a code may end in ``:num``/``:den``."""
    code, _, rest = ref.partition("@")
    if rest:
        column, _, measure = rest.partition(":")
        return code, column, measure
    head, _, tail = ref.rpartition(":")
    if head and tail not in ("num", "den"):
        return head, "", tail
    return ref, "", ""


def _figure(ref: str, form: Form, lines: dict[str, tuple[IndicatorSheet, OutLine]], where: str) -> FigureRef:
    code, column, measure = _split(ref)
    if code not in lines:
        raise OutlineError(text("outline.unknown_code", where=where, code=code, form=form.id))
    sheet, line = lines[code]
    keys = [vc.key for vc in sheet.columns]
    if column and column not in keys:
        raise OutlineError(text("outline.unknown_column", where=where, column=column, sheet=sheet.name,
                                columns=", ".join(keys)))
    if not column:
        column = [vc.key for vc in sheet.columns if not vc.is_computed][-1]
    vc = next(v for v in sheet.columns if v.key == column)
    return FigureRef(code, column, measure or row_measure(line, vc))


def load_outline(form: Form) -> Outline:
    """Read and check the outline of ``form``.

    Args:
        form: the form.

    Returns:
        The outline.

    Raises:
        OutlineError: no outline beside the form, or one naming a figure the form has not.
    """
    path = outline_path(form)
    if not path.is_file():
        raise OutlineError(text("report.no_outline", form=form.id, file=path.name))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        lines = _lines(form)
        sections = []
        for i, item in enumerate(data["sections"], 1):
            sentences = []
            for j, s in enumerate(item.get("sentences") or [], 1):
                where = text("outline.where", section=str(i), sentence=str(j))
                figures = {name: _figure(str(ref), form, lines, where) for name, ref in (s.get("figures") or {}).items()}
                named = {n for _, n, _, _ in string.Formatter().parse(s["text"]) if n}
                unknown = named - set(figures) - set(ROUND_FIELDS)
                if unknown:
                    raise OutlineError(text("outline.undeclared", where=where, names=", ".join(sorted(unknown))))
                sentences.append(Sentence(str(s["text"]), figures))
            level = int(item.get("level", 2))
            if level not in (1, 2, 3):
                raise OutlineError(text("outline.bad_level", section=str(i)))
            sections.append(Section(str(item["heading"]), level, tuple(sentences), bool(item.get("placeholder"))))
        return Outline(str(data.get("form", form.id)), {k: str(v) for k, v in data["title_block"].items()},
                       str(data.get("report_title", "BÁO CÁO")), str(data.get("report_subtitle", "")),
                       tuple(str(r) for r in data.get("recipients") or ()), tuple(sections), path)
    except OutlineError as exc:
        raise OutlineError(text("report.bad_outline", file=path.name, detail=str(exc))) from exc
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise OutlineError(text("report.bad_outline", file=path.name, detail=text("outline.bad_key", key=str(exc)))) from exc


ROUND_FIELDS = ("year", "prev_year", "expected", "submitted", "used", "missing", "late", "with_errors", "province")


def figure_text(measure: str, value: Any) -> str:
    """A total written the Vietnamese way: counts ``1.054``, rates and medians ``99,9`` (2 decimals at most).

    Args:
        measure: the measure.
        value: the total (NaN / None: unknown).

    Returns:
        The text ("…" when unknown).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text("doc.unknown")
    if measure in _DECIMAL_MEASURES:
        return vi_number(round(float(shown_value(measure, float(value))), 2))
    return vi_number(value)


def render_sentence(sentence: Sentence, value_of: Any, round_fields: dict[str, Any]) -> str:
    """Fill a sentence with its figures.

    Args:
        sentence: the sentence.
        value_of: ``(code, column, measure) -> float`` (the province totals).
        round_fields: the round's own fields (year, expected …).

    Returns:
        The sentence.
    """
    params: dict[str, Any] = dict(round_fields)
    for name, ref in sentence.figures.items():
        params[name] = figure_text(ref.measure, value_of(ref.code, ref.column, ref.measure))
    return fill(sentence.text, params)
