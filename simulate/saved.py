"""The time a unit last saved its workbook, written where Excel and LibreOffice write it.

A workbook saved by a unit carries that moment in ``docProps/core.xml`` (``dcterms:modified``,
UTC); the generator writes the same "created" and "modified" times. The simulator writes the
simulated send time there, as a unit's own save would, so that a copied folder (new file times)
keeps every unit's lateness: the consolidation reads the workbook's time, not the file's.
"""

from __future__ import annotations

import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")  # our own generated part


def stamp_saved_time(path: str | Path, moment: float) -> None:
    """Write ``moment`` (a POSIX time) as the workbook's last-saved time, in place.

    Args:
        path: a workbook written by the generator (it has ``docProps/core.xml``).
        moment: when the unit saved it.
    """
    stamp = datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    path = Path(path)
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info.filename)) for info in zf.infolist()]
    tmp = path.with_name(path.name + ".saved")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            zf.writestr(info, data)
    os.replace(tmp, path)
