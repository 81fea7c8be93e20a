"""When each return was received: a given list first, else the workbook's own last-saved time.

File-system times change with every copy (``cp -r``, unzipping a mail archive, a download), so
they are only used when nothing better is known, and the output says so. The order:

1. ``--received FILE.csv``: a list exported from the mailbox, one row per file, naming the file
   (``tep``/``file``, its name or its path in the folder) or its content (``sha256``), and the
   time (``thoi_diem_nhan``/``received``);
2. the last-saved time the workbook carries (docProps/core.xml "modified", written by Excel,
   LibreOffice and WPS on every save; ``FileFacts.saved_at``);
3. the file's modification time.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from consolidate.model import TIME_FILE, TIME_RECEIVED, TIME_SAVED, ConsolidateError, FoundFile, Ingested
from workbooks.messages import text

FILE_COLUMNS = ("tep", "ten_tep", "file", "filename", "path")
HASH_COLUMNS = ("sha256", "ma_bam", "hash")
TIME_COLUMNS = ("thoi_diem_nhan", "thoi_diem", "received", "received_at", "time")
TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def _key(name: str) -> str:
    """A column header or file name as compared: composed Unicode, no accents, case-folded."""
    plain = unicodedata.normalize("NFD", name.strip().replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold().replace(" ", "_")


def parse_time(value: str) -> datetime | None:
    """A date and time as people and mail programs write them (None when it is not one).

    Args:
        value: e.g. ``15/10/2024 08:30``, ``2024-10-15 08:30:00``.

    Returns:
        The local naive time.
    """
    value = value.strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


@dataclass
class ReceivedList:
    """Received times given by the Sở (``--received``), by file name, path or content hash."""

    by_name: dict[str, datetime] = field(default_factory=dict)
    by_hash: dict[str, datetime] = field(default_factory=dict)

    def time_of(self, found: FoundFile, sha256: str) -> datetime | None:
        """The time given for a file (by hash, then path in the folder, then file name)."""
        if sha256 and sha256.lower() in self.by_hash:
            return self.by_hash[sha256.lower()]
        return self.by_name.get(_key(found.rel)) or self.by_name.get(_key(Path(found.rel).name))


def load_received(path: Path | None) -> ReceivedList:
    """Read a ``--received`` list (CSV, UTF-8 with or without BOM, comma or semicolon).

    Args:
        path: the CSV, or None (an empty list).

    Returns:
        The times.

    Raises:
        ConsolidateError: missing file, unknown columns or a time that is not one (exit 2).
    """
    out = ReceivedList()
    if path is None:
        return out
    try:
        content = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConsolidateError(text("consolidate.received_missing", path=path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConsolidateError(text("consolidate.received_unreadable", path=path)) from exc
    head = content[:1024]
    rows = list(csv.reader(content.splitlines(), delimiter=";" if head.count(";") > head.count(",") else ","))
    header = [_key(h) for h in rows[0]] if rows else []
    name_at = next((header.index(c) for c in FILE_COLUMNS if c in header), None)
    hash_at = next((header.index(c) for c in HASH_COLUMNS if c in header), None)
    time_at = next((header.index(c) for c in TIME_COLUMNS if c in header), None)
    if time_at is None or (name_at is None and hash_at is None):
        raise ConsolidateError(text("consolidate.received_columns", path=path))
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        cell = row[time_at] if time_at < len(row) else ""
        moment = parse_time(cell)
        if moment is None:
            raise ConsolidateError(text("consolidate.received_time", path=path, row=number, value=cell))
        if name_at is not None and name_at < len(row) and row[name_at].strip():
            out.by_name[_key(row[name_at])] = moment
        if hash_at is not None and hash_at < len(row) and row[hash_at].strip():
            out.by_hash[row[hash_at].strip().lower()] = moment
    return out


def received_at(found: FoundFile, item: Ingested, given: ReceivedList) -> tuple[datetime, str]:
    """When a return was received, and where that time comes from.

    Args:
        found: the file in the folder.
        item: what was read from it.
        given: the ``--received`` list.

    Returns:
        (time, source): ``TIME_RECEIVED``, ``TIME_SAVED`` or ``TIME_FILE``.
    """
    moment = given.time_of(found, item.facts.sha256)
    if moment is not None:
        return moment, TIME_RECEIVED
    if item.facts.saved_at:
        try:
            return datetime.fromisoformat(item.facts.saved_at), TIME_SAVED
        except ValueError:
            pass
    return item.facts.mtime, TIME_FILE


def source_label(source: str) -> str:
    """Vietnamese words for where a time comes from ("" for none)."""
    return text(f"consolidate.time_{source}") if source else ""
