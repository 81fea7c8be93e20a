"""The unit registry: which reporting units exist and which forms each one must send back.

A registry is a CSV (UTF-8, with or without BOM, or Windows Vietnamese; ``,`` ``;`` or tab
separated) or an XLSX file (first sheet) with the header row ``code,name,level,parent_code,forms``:

* ``code``: the unit's stable code, kept as text (leading zeros matter: ward ``03646``);
* ``name``: the unit's name as users know it (normalised to Unicode NFC);
* ``level``: one of the level codes of ``levels.yaml`` (``tinh``, ``so_nganh``, ``huyen``,
  ``phong_huyen``, ``xa``);
* ``parent_code`` (optional column): code of the parent unit, which must be in the same registry;
* ``forms`` (optional column): form ids separated by ``;``. Empty means "every form whose levels
  include the unit's level".

A file opened and saved by Excel or LibreOffice still reads the same: title rows above the header
and blank rows are skipped, numeric cells are read as codes, and ward codes get their leading
zeros back; ``Registry.notes`` says what was normalised.

The package, by concern:

* :mod:`~workbooks.registry.model`: ``Unit``, ``Registry``, problems, notes and ``RegistryError``;
* :mod:`~workbooks.registry.text`: normalising names, folding text for matching;
* :mod:`~workbooks.registry.codes`: codes as text, restored widths, ``nearest_codes``;
* :mod:`~workbooks.registry.io`: reading CSV/XLSX rows, writing registries;
* :mod:`~workbooks.registry.parse`: the header and rows checked, ``load_registry``;
* :mod:`~workbooks.registry.provinces` and :mod:`~workbooks.registry.mergers`: registries built
  from ``vietnam-provinces``, old province names (2025 mergers).

Its command line is ``cchc units`` (``cchc/commands/units.py``)::

    cchc units --province "Sơn La" --out workbooks/registries/sonla.csv
    cchc units --check my_units.xlsx
"""

from __future__ import annotations

from workbooks.catalog.loader import LEVELS_FILE, known_levels
from workbooks.registry.codes import WARD_CODE_WIDTH, nearest_codes, read_code
from workbooks.registry.io import read_rows, write_registry, write_registry_csv, write_registry_stdout
from workbooks.registry.model import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Registry,
    RegistryError,
    RegistryNote,
    RegistryProblem,
    Unit,
)
from workbooks.registry.parse import load_registry, parse_registry, parse_rows
from workbooks.registry.provinces import (
    DEPARTMENTS_FILE,
    PROVINCE_CODE_PREFIX,
    ProvinceMatch,
    ProvinceNotFoundError,
    find_province,
    load_departments,
    match_province,
    merger_lines,
    province_registry,
    province_title,
    province_unit_code,
)
from workbooks.registry.text import fold, normalize_name

__all__ = [
    "COLUMNS", "DEPARTMENTS_FILE", "LEVELS_FILE", "PROVINCE_CODE_PREFIX", "REQUIRED_COLUMNS",
    "WARD_CODE_WIDTH", "ProvinceMatch", "ProvinceNotFoundError", "Registry", "RegistryError",
    "RegistryNote", "RegistryProblem", "Unit", "find_province", "fold", "known_levels",
    "load_departments", "load_registry", "match_province", "merger_lines", "nearest_codes",
    "normalize_name", "parse_registry", "parse_rows", "province_registry", "province_title",
    "province_unit_code", "read_code", "read_rows", "write_registry", "write_registry_csv",
    "write_registry_stdout",
]
