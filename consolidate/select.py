"""Which return counts for each unit: rejections, duplicates (newest wins), timeliness.

Order of the checks for every Excel file read:

1. the reader rejected it (empty, damaged, encrypted, not Excel, unknown form …);
2. another form (``other_form``), another version of this form (``incompatible_version``),
   another reporting period (``other_period``);
3. no unit code (the blank template sent back: ``blank_template``); a code not in the
   registry (``unknown_unit``); a unit the registry does not expect for this form
   (``unit_not_expected``);
4. several returns for one unit: the newest wins — by metadata time (last saved by the unit,
   else generated), then file modification time; the others are ``duplicate``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from consolidate.model import DUPLICATE, NOT_EXCEL, REJECTED, FileOutcome, FoundFile, Ingested
from consolidate.scan import skip_message
from workbooks.catalog.model import Form
from workbooks.registry import Registry


@dataclass
class Candidate:
    """An accepted return competing for its unit."""

    found: FoundFile
    item: Ingested

    @property
    def meta_time(self) -> str:
        """Last-saved time if the unit re-saved the file, else the generation time (ISO text)."""
        assert self.item.ret is not None
        return self.item.facts.saved_at or self.item.ret.generated_at or ""

    @property
    def order_key(self) -> tuple[str, int, str]:
        """Sort key: newest last."""
        return (self.meta_time, self.item.facts.mtime_ns, self.found.rel)


@dataclass
class Selection:
    """The outcome of selection.

    Attributes:
        outcomes: final outcomes of the files that are not used (rejected, duplicate, other files).
        winners: unit code -> the return chosen for it (its status is settled after the rules).
    """

    outcomes: list[FileOutcome]
    winners: dict[str, Candidate]


def _when(cand: Candidate) -> str:
    """The times that order two versions of a return, as people read them."""
    facts = cand.item.facts
    saved = f"lưu lúc {_vn_time(facts.saved_at)}, " if facts.saved_at else ""
    return f"{saved}tệp ghi lúc {facts.mtime.strftime('%d/%m/%Y %H:%M:%S')}"


def _vn_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M:%S")
    except ValueError:
        return iso


def submitted_at(item: Ingested) -> datetime:
    """Tell when a return was submitted.

    Args:
        item: the ingested file.

    Returns:
        The unit's last save (document properties) when the file was re-saved, else its file time.
    """
    if item.facts.saved_at:
        try:
            return datetime.fromisoformat(item.facts.saved_at)
        except ValueError:
            pass
    return item.facts.mtime


def _rejected(found: FoundFile, reason: str, message: str, item: Ingested | None = None,
              unit: str = "") -> FileOutcome:
    sha = item.facts.sha256 if item else ""
    return FileOutcome(found.rel, found.path, REJECTED, reason, message, unit_code=unit, sha256=sha)


def _check(found: FoundFile, item: Ingested, form: Form, registry: Registry, period: int,
           expected: set[str]) -> FileOutcome | None:
    """A rejection for an accepted-by-the-reader return, or None when it may count."""
    ret = item.ret
    if ret is None:
        return _rejected(found, item.reason, item.message, item)
    if ret.form_id != form.id:
        return _rejected(found, "other_form", f"Tệp là biểu mẫu '{ret.form_id}', không phải '{form.id}' "
                         "đang tổng hợp.", item, ret.unit_code)
    if ret.form_version is not None and ret.form_version != form.version:
        return _rejected(found, "incompatible_version", f"Tệp làm theo phiên bản {ret.form_version} của biểu "
                         f"mẫu, phiên bản hiện hành là {form.version}: mã chỉ tiêu có thể đã thay đổi. Hãy "
                         "gửi lại tệp theo mẫu mới.", item, ret.unit_code)
    if ret.period != period:
        return _rejected(found, "other_period", f"Tệp báo cáo kỳ năm {ret.period}, không phải kỳ năm "
                         f"{period} đang tổng hợp.", item, ret.unit_code)
    if not ret.unit_code:
        return _rejected(found, "blank_template", "Tệp là mẫu trống (chưa ghi mã đơn vị), không biết của đơn "
                         "vị nào. Đơn vị hãy điền vào tệp đã được gửi riêng cho mình.", item)
    unit = registry.by_code(ret.unit_code)
    if unit is None:
        return _rejected(found, "unknown_unit", f"Mã đơn vị '{ret.unit_code}' ({ret.unit_name or 'không rõ tên'}) "
                         "không có trong danh sách đơn vị.", item, ret.unit_code)
    if unit.code not in expected:
        return _rejected(found, "unit_not_expected", f"{unit.name} ({unit.code}) không thuộc diện phải báo "
                         f"cáo biểu mẫu {form.id} theo danh sách đơn vị.", item, unit.code)
    return None


def select_returns(files: list[tuple[FoundFile, Ingested | None]], form: Form, registry: Registry,
                   period: int) -> Selection:
    """Settle every file except the winners' final status (which needs the rules).

    Args:
        files: every file found, with its ingest result (None for files never opened).
        form: the form being consolidated.
        registry: the unit registry.
        period: the period year being consolidated.

    Returns:
        Outcomes of the files not used and the winner of every unit that has one.
    """
    expected = {u.code for u in registry.expected_for(form.id, form.levels)}
    outcomes: list[FileOutcome] = []
    by_unit: dict[str, list[Candidate]] = defaultdict(list)
    for found, item in files:
        if item is None:
            outcomes.append(FileOutcome(found.rel, found.path, NOT_EXCEL, found.skip_reason,
                                        skip_message(found.skip_reason)))
            continue
        rejection = _check(found, item, form, registry, period, expected)
        if rejection is not None:
            outcomes.append(rejection)
            continue
        assert item.ret is not None
        by_unit[registry.by_code(item.ret.unit_code).code].append(Candidate(found, item))  # type: ignore[union-attr]
    winners: dict[str, Candidate] = {}
    for code, cands in by_unit.items():
        cands.sort(key=lambda c: c.order_key)
        best = cands[-1]
        winners[code] = best
        unit = registry.by_code(code)
        for other in cands[:-1]:
            same = other.item.facts.sha256 == best.item.facts.sha256
            message = (f"Cùng nội dung với tệp {best.found.rel}." if same else
                       f"Đơn vị đã gửi bản mới hơn: {best.found.rel} ({_when(best)}); tệp này: {_when(other)}.")
            outcomes.append(FileOutcome(other.found.rel, other.found.path, DUPLICATE,
                                        "same_content" if same else "older_version", message, code,
                                        unit.name if unit else "", unit.level if unit else "",
                                        other.item.facts.sha256, submitted_at=submitted_at(other.item)))
    return Selection(outcomes, winners)


def is_late(moment: datetime | None, deadline: date | None) -> bool | None:
    """Tell whether a submission is late.

    Args:
        moment: when it was submitted.
        deadline: the last day allowed.

    Returns:
        True after the deadline day, False on or before it, None without a deadline or a time.
    """
    if deadline is None or moment is None:
        return None
    return moment.date() > deadline
