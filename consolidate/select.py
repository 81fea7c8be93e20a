"""Which return counts for each unit: rejections, identity, versions (newest wins), timeliness.

Order of the checks for every Excel file read:

1. the reader rejected it (empty, damaged, encrypted, not Excel, unknown form …);
2. another form (``other_form``), another version of this form (``version_mismatch``, the reader's notice for the same fact),
   another reporting period (``other_period``);
3. no unit code (the blank template sent back: ``blank_template``); a code not in the
   registry (``unknown_unit``); a unit the registry does not expect for this form
   (``unit_not_expected``);
4. identity in doubt (``identity.check_identity``): the file claims a unit that the name and
   level recorded in it, or its file name, contradict. Such a file is a ``conflict`` listed
   for the Sở to decide; it never replaces another unit's return;
5. several returns for one unit: the one received last wins (``received``: the ``--received``
   list, else the workbook's own last-saved time, else the file time); the others are
   ``duplicate``. Versions received at the same moment cannot be ordered: they are all
   checked and the rule ``tie_rule`` picks one, and both files say so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from consolidate.identity import IdentityCheck
from consolidate.model import CONFLICT, DUPLICATE, NOT_EXCEL, REJECTED, FileOutcome, FoundFile, Ingested
from consolidate.received import ReceivedList, received_at
from consolidate.scan import skip_message
from workbooks.catalog.model import Form
from workbooks.messages import text
from workbooks.registry import Registry, nearest_codes


@dataclass
class Candidate:
    """An accepted return competing for its unit.

    Attributes:
        found: the file.
        item: what was read from it.
        moment: when it was received.
        time_source: where ``moment`` comes from (``model.TIME_SOURCES``).
    """

    found: FoundFile
    item: Ingested
    moment: datetime
    time_source: str

    @property
    def order_key(self) -> tuple[datetime, str]:
        """Sort key: received last, last (file name only to make the order total)."""
        return (self.moment, self.found.rel)


@dataclass
class Selection:
    """The outcome of selection.

    Attributes:
        outcomes: final outcomes of the files that are not used (rejected, duplicate, conflicts, other files).
        winners: unit code -> the return chosen for it (its status is settled after the rules).
        ties: unit code -> the other versions received at the same moment as its winner
            (``settle_ties`` decides between them once they are checked).
    """

    outcomes: list[FileOutcome]
    winners: dict[str, Candidate]
    ties: dict[str, list[Candidate]] = field(default_factory=dict)

    def tied(self) -> list[Candidate]:
        """Every candidate of a tie that is not the provisional winner."""
        return [c for cands in self.ties.values() for c in cands]


def vn_time(moment: datetime | None) -> str:
    """A time as people read it (``15/10/2024 08:30:00``), "" for none."""
    return moment.strftime("%d/%m/%Y %H:%M:%S") if moment else ""


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
        return _rejected(found, "other_form", text("consolidate.other_form", found=ret.form_id, form=form.id),
                         item, ret.unit_code)
    if ret.form_version is not None and ret.form_version != form.version:
        return _rejected(found, "version_mismatch", text("structure.version_mismatch",  # one fact, one id
                         found=ret.form_version, expected=form.version), item, ret.unit_code)
    if ret.period != period:
        return _rejected(found, "other_period", text("consolidate.other_period", found=str(ret.period),
                         period=str(period)), item, ret.unit_code)
    if not ret.unit_code:
        return _rejected(found, "blank_template", text("consolidate.blank_template"), item)
    unit = registry.by_code(ret.unit_code)
    if unit is None:
        return _rejected(found, "unknown_unit", _unknown_unit_text(ret.unit_code, ret.unit_name, registry),
                         item, ret.unit_code)
    if unit.code not in expected:
        return _rejected(found, "unit_not_expected", text("consolidate.unit_not_expected", name=unit.name,
                         code=unit.code, form=form.id), item, unit.code)
    return None


def _unknown_unit_text(code: str, name: str, registry: Registry) -> str:
    """Why a unit code is not used, with the registry's nearest code when one is close."""
    near = nearest_codes(registry, code, 1)
    if not near:
        return text("consolidate.unknown_unit", code=code, name=name or "không rõ tên")
    unit = registry.by_code(near[0])
    return text("consolidate.unknown_unit_near", code=code, name=name or "không rõ tên", near=near[0],
                near_name=unit.name if unit else "")


def _not_read(found: FoundFile) -> FileOutcome:
    """A file the scan never opened: not a spreadsheet, Excel's lock file, or a file-system oddity."""
    return FileOutcome(found.rel, found.path, NOT_EXCEL, found.skip_reason, skip_message(found.skip_reason))


def select_returns(files: list[tuple[FoundFile, Ingested | None]], form: Form, registry: Registry,
                   period: int, received: ReceivedList | None = None) -> Selection:
    """Settle every file except the winners' final status (which needs the rules).

    Args:
        files: every file found, with its ingest result (None for files never opened).
        form: the form being consolidated.
        registry: the unit registry.
        period: the period year being consolidated.
        received: received times given by the Sở (``--received``).

    Returns:
        Outcomes of the files not used, the winner of every unit that has one, and the ties.
    """
    received = received or ReceivedList()
    expected = {u.code for u in registry.expected_for(form.id, form.levels)}
    identity = IdentityCheck(registry)
    outcomes: list[FileOutcome] = []
    by_unit: dict[str, list[Candidate]] = defaultdict(list)
    for found, item in files:
        if item is None:
            outcomes.append(_not_read(found))
            continue
        rejection = _check(found, item, form, registry, period, expected)
        if rejection is not None:
            outcomes.append(rejection)
            continue
        assert item.ret is not None
        unit = registry.by_code(item.ret.unit_code)
        assert unit is not None
        moment, source = received_at(found, item, received)
        doubt = identity.doubt(found, item.ret, unit)
        if doubt is not None:
            reason, message, other = doubt
            outcomes.append(FileOutcome(found.rel, found.path, CONFLICT, reason, message, unit.code, unit.name,
                                        unit.level, item.facts.sha256, submitted_at=moment, time_source=source,
                                        extra={"other_unit": other}))
            continue
        by_unit[unit.code].append(Candidate(found, item, moment, source))
    winners: dict[str, Candidate] = {}
    ties: dict[str, list[Candidate]] = {}
    for code, cands in by_unit.items():
        cands.sort(key=lambda c: c.order_key)
        best = winners[code] = cands[-1]
        tied = [c for c in cands[:-1] if c.moment == best.moment and c.item.facts.sha256 != best.item.facts.sha256]
        if tied:
            ties[code] = tied
        for other in cands[:-1]:
            if other not in tied:
                outcomes.append(_duplicate(other, best, registry))
    return Selection(outcomes, winners, ties)


def _duplicate(other: Candidate, best: Candidate, registry: Registry, message: str = "",
               reason: str = "") -> FileOutcome:
    """The outcome of a version that is not used."""
    unit = registry.by_code(best.item.ret.unit_code)  # type: ignore[union-attr]
    assert unit is not None
    if not message:
        same = other.item.facts.sha256 == best.item.facts.sha256
        reason = "same_content" if same else "older_version"
        message = (text("consolidate.same_content", winner=best.found.rel) if same else
                   text("consolidate.older_version", winner=best.found.rel, winner_time=_when(best),
                        this_time=_when(other)))
    return FileOutcome(other.found.rel, other.found.path, DUPLICATE, reason, message, unit.code, unit.name,
                       unit.level, other.item.facts.sha256, submitted_at=other.moment,
                       time_source=other.time_source)


def _when(cand: Candidate) -> str:
    """The time that orders a version, as people read it."""
    return vn_time(cand.moment)


def settle_ties(selection: Selection, counts: dict[str, tuple[int, int]], registry: Registry
                ) -> dict[str, str]:
    """Pick one version where several were received at the same moment (the stated rule).

    Rule (``consolidate.tied_version``): fewer errors, then fewer warnings, then the file name
    that sorts last. The versions not picked become ``duplicate`` outcomes saying so.

    Args:
        selection: the selection (winners updated in place, outcomes appended).
        counts: return id (file path in the folder) -> (errors, warnings) of every candidate checked.
        registry: the unit registry.

    Returns:
        Return id of every winner picked this way -> the message its file carries.
    """
    notes: dict[str, str] = {}
    for code, tied in selection.ties.items():
        cands = [selection.winners[code], *tied]
        cands.sort(key=lambda c: (-counts.get(c.found.rel, (0, 0))[0], -counts.get(c.found.rel, (0, 0))[1],
                                  c.found.rel))
        best = selection.winners[code] = cands[-1]
        unit = registry.by_code(code)
        name = unit.name if unit else code
        message = text("consolidate.tied_version", name=name, time=_when(best), winner=best.found.rel)
        for other in cands[:-1]:
            selection.outcomes.append(_duplicate(other, best, registry, message, "tied_version"))
        notes[best.found.rel] = text("consolidate.tie_winner", n=len(cands), time=_when(best))
    selection.ties = {}
    return notes


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
