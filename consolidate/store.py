"""The embedded store (SQLite): every return ever read, every file seen, every run.

Tables (query them with any SQLite tool, e.g. ``sqlite3 tong_hop.sqlite``):

``files``          one row per file path seen: size, mtime, hash, what reading it gave
                   (``return`` or ``rejected`` with the reason). A file whose path, size and
                   mtime are unchanged is never read again.
``returns``        one row per distinct return (by file content hash): unit, form, version,
                   period, generated/saved times, metadata and reader notices (JSON).
``returns.values_blob``  the tidy values of the return: ``RECORD_COLUMNS`` as one Arrow
                   IPC record batch, LZ4-compressed (``consolidate.blob``;
                   ``Store.values_frame`` gives them as a DataFrame;
                   the values of the returns used in a run are also in the tidy-data folder).
``runs``           one row per consolidation run (folder, form, options, counts).
``run_files``      what became of every file in every run (used, duplicate, rejected …).
``return_history`` view: every return of every unit with its times and its status in the
                   latest run of its form (``used`` …, or NULL when no longer in the folder).

A corrected return is a new content hash: both versions stay in ``returns``; only the one
chosen in a run is marked ``used`` in ``run_files``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consolidate.blob import RECORD_COLUMNS, decode_columns
from consolidate.model import FileFacts, FileOutcome, Ingested, ReturnData
from workbooks import __version__ as workbooks_version
from workbooks.catalog.loader import load_catalog
from workbooks.reader import Notice

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "4"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT, saved_at TEXT,
    reader TEXT, outcome TEXT, reason TEXT, message TEXT, first_seen TEXT, last_read TEXT);
CREATE TABLE IF NOT EXISTS returns (
    rid INTEGER PRIMARY KEY, sha256 TEXT UNIQUE NOT NULL, form_id TEXT, form_version INTEGER,
    unit_code TEXT, unit_name TEXT, level TEXT, period INTEGER, generated_at TEXT, saved_at TEXT,
    file_mtime TEXT, size INTEGER, first_path TEXT, meta_json TEXT, notices_json TEXT,
    n_values INTEGER, reader TEXT, read_at TEXT, values_blob BLOB);
CREATE INDEX IF NOT EXISTS returns_unit ON returns (form_id, unit_code);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT, finished_at TEXT, folder TEXT,
    form_id TEXT, period INTEGER, include_errors INTEGER, deadline TEXT, out TEXT,
    n_files INTEGER, n_read INTEGER, n_used INTEGER);
CREATE TABLE IF NOT EXISTS run_files (
    run_id INTEGER, rel TEXT, path TEXT, sha256 TEXT, status TEXT, reason TEXT, message TEXT,
    unit_code TEXT, n_errors INTEGER, n_warnings INTEGER, submitted_at TEXT, late INTEGER);
CREATE INDEX IF NOT EXISTS run_files_run ON run_files (run_id);
CREATE INDEX IF NOT EXISTS run_files_sha ON run_files (sha256);
CREATE VIEW IF NOT EXISTS return_history AS
    SELECT r.form_id, r.unit_code, r.unit_name, r.sha256, r.generated_at, r.saved_at, r.file_mtime,
           r.first_path, r.read_at,
           (SELECT rf.status FROM run_files rf
             WHERE rf.sha256 = r.sha256
               AND rf.run_id = (SELECT max(run_id) FROM runs WHERE runs.form_id = r.form_id)
             ORDER BY rf.status = 'used' DESC LIMIT 1) AS latest_status
      FROM returns r ORDER BY r.form_id, r.unit_code, r.read_at, r.rid;
"""



def reader_signature() -> str:
    """Identifies what the reader would extract: tool version + every form's digest.

    Stored results made under another signature are read again (the catalog changed).

    Returns:
        A short hex digest.
    """
    parts = [workbooks_version, SCHEMA_VERSION]
    parts += [f"{f.id}:{f.version}:{f.digest}" for f in sorted(load_catalog().values(), key=lambda f: f.id)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _sql_value(value: Any) -> Any:
    """A raw cell value as SQLite can hold it (dates as ISO text)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return value


def _file_row(item: Ingested, reader: str, now: str) -> tuple:
    """The ``files`` row of a file just read."""
    f = item.facts
    return (f.path, f.size, f.mtime_ns, f.sha256, f.saved_at, reader, "return" if item.ret is not None else "rejected",
            item.reason, item.message, now, now)


def _return_row(ret: ReturnData, facts: FileFacts, reader: str, now: str) -> tuple:
    """The ``returns`` row of a return read from a file."""
    return (ret.sha256, ret.form_id, ret.form_version, ret.unit_code, ret.unit_name, ret.level, ret.period,
            ret.generated_at, facts.saved_at, facts.mtime.isoformat(timespec="seconds"), facts.size, facts.path,
            json.dumps(ret.meta, ensure_ascii=False), _notice_json(ret.notices), ret.n_values, reader, now,
            ret.blob)


def _notice_json(notices: Sequence[Notice]) -> str:
    return json.dumps([{"id": n.id, "severity": n.severity, "sheet": n.sheet, "cell": n.cell,
                        "value": _sql_value(n.value), "params": n.params} for n in notices],
                      ensure_ascii=False, default=str)


def _notices(text: str) -> list[Notice]:
    return [Notice(d["id"], d["severity"], d.get("sheet", ""), d.get("cell", ""), d.get("value"),
                   d.get("params") or {}) for d in json.loads(text or "[]")]


class Store:
    """The SQLite store of one consolidation (a file; created on first use).

    Args:
        path: the database file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(str(self.path))
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.executescript(_SCHEMA)
        with self.con:
            self.con.execute("INSERT OR IGNORE INTO store_info VALUES ('schema', ?)", (SCHEMA_VERSION,))
        self.signature = reader_signature()

    def close(self) -> None:
        """Close the database."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- files

    def known(self, paths: Iterable[str]) -> dict[str, tuple[int, int, str, str]]:
        """Look up what the store knows of some paths.

        Args:
            paths: absolute file paths.

        Returns:
            Path -> (size, mtime_ns, sha256, reader signature), for the paths seen before.
        """
        wanted = set(paths)
        rows = self.con.execute("SELECT path, size, mtime_ns, sha256, reader FROM files").fetchall()
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows if r[0] in wanted}

    def unchanged(self, path: str, size: int, mtime_ns: int, known: dict) -> bool:
        """Tell whether a file can be skipped.

        Args:
            path: the file.
            size: its size now.
            mtime_ns: its modification time now.
            known: what ``known`` returned.

        Returns:
            True when it was read before, with this size and mtime, by this reader.
        """
        entry = known.get(path)
        return entry is not None and entry[0] == size and entry[1] == mtime_ns and entry[3] == self.signature

    def cached_results(self, paths: Iterable[str]) -> dict[str, Ingested]:
        """Stored results of reading ``paths`` (returns loaded with their values).

        Args:
            paths: files whose stored result is wanted (those ``unchanged`` says are).

        Returns:
            Path -> result with ``cached=True``; paths without a usable stored result are absent.
        """
        wanted = set(paths)
        rows = [r for r in self.con.execute(
            "SELECT path, size, mtime_ns, sha256, saved_at, outcome, reason, message FROM files")
            if r[0] in wanted]
        returns = self.load_returns(r[3] for r in rows if r[5] == "return")
        out: dict[str, Ingested] = {}
        for path, size, mtime_ns, sha, saved_at, outcome, reason, message in rows:
            facts = FileFacts(path, size, mtime_ns, sha or "", saved_at or "")
            if outcome == "return":
                if sha in returns:
                    out[path] = Ingested(facts, returns[sha], cached=True)
            else:
                out[path] = Ingested(facts, reason=reason or "", message=message or "", cached=True)
        return out

    def save(self, results: Sequence[Ingested]) -> None:
        """Record newly read files and their returns (values included), in one transaction.

        Called with each batch of files as the workers return it, so what was read is kept
        even if the run stops before the end.

        Args:
            results: results of ``ingest_many`` (a batch of them or all).
        """
        now = _now()
        with self.con:
            self.con.executemany(
                "INSERT INTO files (path, size, mtime_ns, sha256, saved_at, reader, outcome, reason, "
                "message, first_seen, last_read) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(path) DO "
                "UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns, sha256=excluded.sha256, "
                "saved_at=excluded.saved_at, reader=excluded.reader, outcome=excluded.outcome, "
                "reason=excluded.reason, message=excluded.message, last_read=excluded.last_read",
                [_file_row(item, self.signature, now) for item in results])
            first: dict[str, Ingested] = {}  # one row per content: the first file that has it
            for item in results:
                if item.ret is not None:
                    first.setdefault(item.ret.sha256, item)
            stored = self._stored_by_this_reader(list(first))
            new = [item for sha, item in first.items() if sha not in stored]
            self.con.executemany("DELETE FROM returns WHERE sha256 = ?",  # read by an older reader
                                 [(item.facts.sha256,) for item in new])
            self.con.executemany(
                "INSERT INTO returns (sha256, form_id, form_version, unit_code, unit_name, level, period, "
                "generated_at, saved_at, file_mtime, size, first_path, meta_json, notices_json, n_values, "
                "reader, read_at, values_blob) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [_return_row(item.ret, item.facts, self.signature, now) for item in new if item.ret is not None])

    def _stored_by_this_reader(self, shas: list[str]) -> set[str]:
        """The content hashes among ``shas`` whose return this reader stored already."""
        found: set[str] = set()
        for i in range(0, len(shas), 500):
            part = shas[i:i + 500]
            found.update(sha for (sha,) in self.con.execute(
                f"SELECT sha256 FROM returns WHERE reader = ? AND sha256 IN ({','.join('?' * len(part))})",
                (self.signature, *part)))
        return found

    def load_returns(self, shas: Iterable[str]) -> dict[str, ReturnData]:
        """Load stored returns (values included).

        Args:
            shas: content hashes.

        Returns:
            Content hash -> return, for the hashes stored.
        """
        wanted = sorted(set(shas))
        out: dict[str, ReturnData] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            marks = ",".join("?" * len(part))
            for row in self.con.execute(
                    "SELECT sha256, form_id, form_version, unit_code, unit_name, level, period, meta_json, "
                    f"notices_json, values_blob, n_values FROM returns WHERE sha256 IN ({marks})", part):
                out[row[0]] = ReturnData(row[0], row[1], row[2], row[3] or "", row[4] or "", row[5], row[6],
                                         json.loads(row[7] or "{}"), _notices(row[8]), row[9] or b"",
                                         row[10] or 0)
        return out

    def values_frame(self, sha256: str) -> pd.DataFrame:
        """The tidy values of one stored return (``RECORD_COLUMNS``), e.g. an older version.

        Args:
            sha256: the return's content hash (see ``return_history``).

        Returns:
            The values (empty when the hash is unknown).
        """
        row = self.con.execute("SELECT values_blob FROM returns WHERE sha256 = ?", (sha256,)).fetchone()
        import pandas as pd

        columns = decode_columns(row[0]) if row else {c: [] for c in RECORD_COLUMNS}
        return pd.DataFrame(columns, columns=RECORD_COLUMNS)

    # ----------------------------------------------------------------- runs

    def start_run(self, folder: str, form_id: str, period: int, include_errors: bool,
                  deadline: date | None, out: str) -> int:
        """Record the start of a run.

        Args:
            folder: the folder read.
            form_id: the form.
            period: the period year.
            include_errors: whether returns with errors are used.
            deadline: the deadline, if any.
            out: the output workbook.

        Returns:
            The run id.
        """
        with self.con:
            cur = self.con.execute(
                "INSERT INTO runs (started_at, folder, form_id, period, include_errors, deadline, out) "
                "VALUES (?,?,?,?,?,?,?)",
                (_now(), folder, form_id, period, int(include_errors),
                 deadline.isoformat() if deadline else None, out))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, outcomes: Sequence[FileOutcome], n_read: int) -> None:
        """Record what became of every file in the run.

        Args:
            run_id: from ``start_run``.
            outcomes: one per file found.
            n_read: files read (not taken from the store).
        """
        used = sum(o.status in {"used", "used_warnings", "errors_used"} for o in outcomes)
        with self.con:
            self.con.executemany(
                "INSERT INTO run_files VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(run_id, o.rel, o.path, o.sha256, o.status, o.reason, o.message, o.unit_code, o.n_errors,
                  o.n_warnings, o.submitted_at.isoformat(timespec="seconds") if o.submitted_at else None,
                  None if o.late is None else int(o.late)) for o in outcomes])
            self.con.execute("UPDATE runs SET finished_at = ?, n_files = ?, n_read = ?, n_used = ? "
                             "WHERE run_id = ?", (_now(), len(outcomes), n_read, used, run_id))

    def history(self, form_id: str | None = None, unit_code: str | None = None) -> list[dict[str, Any]]:
        """Rows of the ``return_history`` view (optionally one form / one unit).

        Args:
            form_id: only this form.
            unit_code: only this unit.

        Returns:
            One dict per stored return, oldest first per unit.
        """
        sql, args = "SELECT * FROM return_history WHERE 1=1", []
        if form_id:
            sql += " AND form_id = ?"
            args.append(form_id)
        if unit_code:
            sql += " AND unit_code = ?"
            args.append(unit_code)
        cur = self.con.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
