"""Bad returns on purpose: one function per kind of bad input real folders hold (DOMAIN.md §6).

Test helper library, not product code. Every injector takes a generated (or filled) return
``src``, writes the damaged copy to ``dst`` and returns the path written (``src`` is never
changed). Positions come from the catalog layout of the form and level recorded in the
file's metadata sheet, so the injectors only work on files our writer produced (which is
what the tests feed them).

openpyxl keeps what our writer puts in a workbook (defined names, the very-hidden metadata
sheet, custom document properties, Excel tables, data validations, conditional formats,
sheet protection; ``test_simulate.py`` checks it) but it writes every formula **without a
cached value**: each openpyxl-based injector therefore also produces "formula cells without
cached values" as a side effect, as a file saved by a non-Excel program would. openpyxl's
``insert_rows``/``delete_rows``/``move_range`` do not update formulas, merged cells, data
validations or defined names the way Excel does; ``rename_sheet`` does rewrite references,
as Excel would.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from workbooks.catalog import Form, get_form
from workbooks.catalog.instances import CellKey
from workbooks.catalog.layout import (
    CODE_HEADER,
    IndicatorLayout,
    ListLayout,
    form_layouts,
    value_cells,
)
from workbooks.writer import generate_workbook
from workbooks.writer.metadata import META_SHEET
from workbooks.writer.names import table_name

SOFFICE_TIMEOUT = 180
_RATE_FORMULA = re.compile(r"ROUND\(\$?([A-Z]+)\$?(\d+)/\$?([A-Z]+)\$?(\d+)(\*100)?,2\)")


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Identity:
    """What a generated return is: its form, the unit's level and the layouts."""

    form: Form
    level: str | None
    unit_code: str
    layouts: list[IndicatorLayout | ListLayout]

    def indicator_layout(self, sheet_id: str | None = None) -> IndicatorLayout:
        """The first indicator sheet's layout (or the one with ``sheet_id``)."""
        return next(lay for lay in self.layouts if isinstance(lay, IndicatorLayout)
                    and (sheet_id is None or lay.sheet.id == sheet_id))

    def list_layout(self, sheet_id: str | None = None) -> ListLayout | None:
        """The first list sheet's layout (or the one with ``sheet_id``); None when the form has none."""
        return next((lay for lay in self.layouts if isinstance(lay, ListLayout)
                     and (sheet_id is None or lay.sheet.id == sheet_id)), None)

    def cell(self, key: CellKey) -> tuple[str, str]:
        """(sheet name, "D14") of an indicator value cell, as generated."""
        pos = value_cells(self.layouts)[key]
        return pos.sheet, f"{get_column_letter(pos.col + 1)}{pos.row + 1}"

    def input_keys(self, kinds: set[str]) -> list[CellKey]:
        """Input cells whose value kind is in ``kinds``, in sheet order."""
        out = []
        for lay in self.layouts:
            if not isinstance(lay, IndicatorLayout):
                continue
            for line in lay.lines:
                for vc in lay.sheet.columns:
                    if lay.is_input(line, vc) and line.value_kind in kinds:
                        out.append((line.code, vc.key))
        return out


def metadata(wb: Workbook) -> dict[str, str]:
    """The key/value pairs of the (very hidden) metadata sheet."""
    ws = wb[META_SHEET]
    return {str(k): "" if v is None else str(v) for k, v in ws.iter_rows(min_row=2, max_col=2, values_only=True)
            if k}


def identify(src: str | Path | Workbook) -> Identity:
    """Form, level and layouts of a return our writer generated."""
    wb = src if isinstance(src, Workbook) else openpyxl.load_workbook(src, read_only=True)
    try:
        meta = metadata(wb)
    finally:
        if not isinstance(src, Workbook):
            wb.close()
    form = get_form(meta["form_id"])
    level = meta.get("unit_level") or None
    return Identity(form, level, meta.get("unit_code", ""), form_layouts(form, level))


def _edit(src: str | Path, dst: str | Path, **load: bool) -> tuple[Workbook, Identity, Path]:
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.load_workbook(src, **load)
    return wb, identify(wb), dst


def _save(wb: Workbook, dst: Path) -> Path:
    wb.save(dst)
    wb.close()
    return dst


def _rows_of_codes(ws: Worksheet) -> dict[str, int]:
    """Indicator code -> 1-based row, read from the 'Mã chỉ tiêu' column."""
    for row in ws.iter_rows(max_row=40):
        for cell in row:
            if cell.value == CODE_HEADER:
                col = cell.column
                return {str(ws.cell(r, col).value): r for r in range(cell.row + 1, ws.max_row + 1)
                        if ws.cell(r, col).value not in (None, "")}
    raise ValueError(f"{ws.title}: no '{CODE_HEADER}' column")


def input_cells_of(ws: Worksheet) -> list:
    """Unlocked (input) cells holding text, in reading order."""
    return [c for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.protection is not None and not c.protection.locked]


# --------------------------------------------------------------------------- structure


def type_into_formula_cell(src: str | Path, dst: str | Path, value: float = 87.5,
                           key: CellKey | None = None) -> Path:
    """A number typed over a computed percentage (the rate row of a ratio, or a rate column).

    Args:
        src: a generated return.
        dst: where to write.
        value: the constant typed.
        key: the computed cell (value code, column key); the first computed cell when None.
    """
    wb, ident, dst = _edit(src, dst)
    key = key or computed_keys(ident)[0]
    sheet, ref = ident.cell(key)
    wb[sheet][ref] = value
    return _save(wb, dst)


def computed_keys(ident: Identity) -> list[CellKey]:
    """Every computed percentage cell of the return (rate rows and rate columns)."""
    out = []
    for lay in ident.layouts:
        if not isinstance(lay, IndicatorLayout):
            continue
        for line in lay.lines:
            for vc in lay.sheet.columns:
                if lay.applies(line, vc) and (line.role == "rate" or vc.is_computed):
                    out.append((line.code, vc.key))
    return out


def delete_indicator_row(src: str | Path, dst: str | Path, code: str | None = None) -> Path:
    """The row of an indicator deleted (``delete_rows``): the rows below move up one.

    Args:
        code: the indicator value code whose row goes; the third value row when None.
    """
    wb, ident, dst = _edit(src, dst)
    lay = ident.indicator_layout()
    code = code or [line.code for line in lay.lines if line.role == "value"][2]
    ws = wb[lay.sheet.name]
    row = _rows_of_codes(ws)[code]
    ws.delete_rows(row)
    for merged in list(ws.merged_cells.ranges):  # Excel moves the merged cells below up too
        if merged.min_row > row:              # (openpyxl does not): the signature block under the table
            merged.shift(row_shift=-1)
    return _save(wb, dst)


INSERTED_TEXT = "Số liệu bổ sung theo yêu cầu"


def insert_row_above_data(src: str | Path, dst: str | Path, sheet_id: str | None = None,
                          text: str = INSERTED_TEXT) -> Path:
    """A row inserted between the header and the first data row (``insert_rows``), with a text typed
    into it; every data row moves down one.

    Args:
        sheet_id: the indicator sheet (the first when None).
        text: what the unit typed into the new row (label column).
    """
    wb, ident, dst = _edit(src, dst)
    lay = ident.indicator_layout(sheet_id)
    ws = wb[lay.sheet.name]
    row = lay.first_row + 1  # 1-based first data row
    ws.insert_rows(row)
    ws.cell(row, lay.label_col + 1, text)
    return _save(wb, dst)


def rename_sheet(src: str | Path, dst: str | Path, sheet_id: str | None = None,
                 new_name: str = "PL2 da sua") -> Path:
    """A sheet renamed, with the references to it rewritten as Excel does (defined names, formulas).

    The metadata sheet keeps the old name (it is what the generator recorded).
    """
    wb, ident, dst = _edit(src, dst)
    sheet = ident.form.sheet(sheet_id) if sheet_id else ident.indicator_layout().sheet
    old = sheet.name
    wb[old].title = new_name
    quoted_old, quoted_new = quote_sheetname(old), quote_sheetname(new_name)
    for name in wb.defined_names.values():
        if name.attr_text and quoted_old + "!" in name.attr_text:
            name.attr_text = name.attr_text.replace(quoted_old + "!", quoted_new + "!")
    for ws in wb.worksheets:
        if ws.title == META_SHEET:
            continue
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=") and quoted_old + "!" in cell.value:
                    cell.value = cell.value.replace(quoted_old + "!", quoted_new + "!")
    return _save(wb, dst)


def remove_table(src: str | Path, dst: str | Path, sheet_id: str | None = None) -> Path:
    """The Excel table of a list sheet converted to a plain range (``tbl_<id>`` removed)."""
    wb, ident, dst = _edit(src, dst)
    lay = ident.list_layout(sheet_id)
    if lay is None:
        raise ValueError(f"{ident.form.id} has no list sheet")
    del wb[lay.sheet.name].tables[table_name(lay.sheet.id)]
    return _save(wb, dst)


def _hide_column(ws: Worksheet, idx: int) -> None:
    """Hide one column, splitting a multi-column <col> range when needed."""
    for letter, dim in list(ws.column_dimensions.items()):
        lo, hi = dim.min or 0, dim.max or 0
        if not lo <= idx <= hi:
            continue
        del ws.column_dimensions[letter]
        for a, b, hidden in ((lo, idx - 1, dim.hidden), (idx, idx, True), (idx + 1, hi, dim.hidden)):
            if a > b:
                continue
            part = copy.copy(dim)
            part.index, part.min, part.max, part.hidden = get_column_letter(a), a, b, hidden
            ws.column_dimensions[get_column_letter(a)] = part
        return
    ws.column_dimensions[get_column_letter(idx)] = ColumnDimension(ws, index=get_column_letter(idx), hidden=True)


def hide_columns(src: str | Path, dst: str | Path, sheet_id: str | None = None,
                 keys: list[str] | None = None) -> Path:
    """Value columns of an indicator sheet hidden (the last value column when ``keys`` is None)."""
    wb, ident, dst = _edit(src, dst)
    lay = ident.indicator_layout(sheet_id)
    ws = wb[lay.sheet.name]
    for key in keys or [lay.sheet.columns[-1].key]:
        _hide_column(ws, lay.value_cols[key] + 1)
    return _save(wb, dst)


MOVE_ROWS, MOVE_COLS = 2, 1


def unprotect_and_restructure(src: str | Path, dst: str | Path, sheet_id: str | None = None,
                              rows: int = MOVE_ROWS, cols: int = MOVE_COLS) -> Path:
    """Sheet protection removed and the whole table (headers, data, codes) moved ``rows`` down and
    ``cols`` right (``move_range`` with formulas translated), as a unit re-arranging the sheet."""
    wb, ident, dst = _edit(src, dst)
    lay = ident.indicator_layout(sheet_id)
    ws = wb[lay.sheet.name]
    ws.protection.sheet = False
    top, bottom = lay.header_rows[0] + 1, ws.max_row
    right = get_column_letter(ws.max_column)
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row >= top:
            ws.unmerge_cells(str(merged))
    ws.move_range(f"A{top}:{right}{bottom}", rows=rows, cols=cols, translate=True)
    return _save(wb, dst)


# --------------------------------------------------------------------------- whole files


def blank_template(form: Form | str, dst: str | Path) -> Path:
    """The blank template (no unit, no values), as units sometimes send it back."""
    form = get_form(form) if isinstance(form, str) else form
    return generate_workbook(form, dst)


def other_units_file(src: str | Path, dst_dir: str | Path, other_unit_name: str) -> Path:
    """Unit A's file sent under unit B's name: the metadata says A, the file name says B."""
    dst = Path(dst_dir) / f"Phụ lục CCHC - {other_unit_name}.xlsx"
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


def damaged_zip(src: str | Path, dst: str | Path, keep: float = 0.5) -> Path:
    """The file cut short (an interrupted download): the first ``keep`` share of its bytes."""
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


def empty_file(dst: str | Path) -> Path:
    """A 0-byte file with an Excel name."""
    dst = Path(dst)
    dst.write_bytes(b"")
    return dst


def password_protected(src: str | Path, dst: str | Path, password: str = "123456") -> Path:
    """The return encrypted with a password (Excel "Encrypt with password"; msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    dst = Path(dst)
    with open(src, "rb") as fh, open(dst, "wb") as out:
        OOXMLFile(fh).encrypt(password, out)
    return dst


_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'),
    "word/document.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        '<w:p><w:r><w:t>Báo cáo kết quả thực hiện công tác cải cách hành chính năm 2024</w:t></w:r></w:p>'
        '</w:body></w:document>'),
}
_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
        b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n"
        b"%%EOF\n")


def not_excel(dst: str | Path, kind: str = "docx") -> Path:
    """A Word document, a PDF or a text file renamed ``.xlsx``.

    Args:
        dst: the ``.xlsx`` path to write.
        kind: ``docx`` (a real minimal Word package), ``pdf`` or ``txt``.
    """
    dst = Path(dst)
    if kind == "docx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in _DOCX_PARTS.items():
                zf.writestr(name, text)
        dst.write_bytes(buf.getvalue())
    elif kind == "pdf":
        dst.write_bytes(_PDF)
    elif kind == "txt":
        dst.write_text("Kính gửi Sở Nội vụ,\nĐơn vị gửi kèm báo cáo cải cách hành chính.\n", encoding="utf-8")
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return dst


# --------------------------------------------------------------------------- other programs


def soffice_binary() -> str | None:
    """LibreOffice's ``soffice`` (None when not installed)."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/soffice" if Path("/usr/bin/soffice").exists() else None


def resave_libreoffice(src: str | Path, dst_dir: str | Path, fmt: str = "xlsx") -> Path:
    """The return opened and saved by LibreOffice (headless, in a throw-away profile).

    Args:
        src: the return.
        dst_dir: output folder (must not be ``src``'s folder).
        fmt: ``xlsx`` (Calc's "Excel 2007-365" filter) or ``xls`` (Excel 97-2003).

    Returns:
        ``dst_dir / <src stem>.<fmt>``.
    """
    binary = soffice_binary()
    if binary is None:
        raise FileNotFoundError("LibreOffice (soffice) is not installed")
    src, dst_dir = Path(src), Path(dst_dir)
    if dst_dir.resolve() == src.parent.resolve():
        raise ValueError("dst_dir must differ from the source folder")
    dst_dir.mkdir(parents=True, exist_ok=True)
    target = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97"}[fmt]
    with tempfile.TemporaryDirectory(prefix="lo_profile_") as profile:
        cmd = [binary, "--headless", "--norestore", "--nolockcheck",
               f"-env:UserInstallation={Path(profile).as_uri()}",
               "--convert-to", target, "--outdir", str(dst_dir), str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=SOFFICE_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the process group we started: soffice and its children
            proc.communicate()
            raise
    out = dst_dir / f"{src.stem}.{fmt}"
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"soffice failed ({proc.returncode}): {stdout} {stderr}")
    return out


# --------------------------------------------------------------------------- formulas


def _rate_constant(ws: Worksheet, formula: str) -> float | str:
    match = _RATE_FORMULA.search(formula)
    if not match:
        return ""
    num = ws[f"{match.group(1)}{match.group(2)}"].value
    den = ws[f"{match.group(3)}{match.group(4)}"].value
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (num, den)) or den <= 0:
        return ""
    return round(num / den * (100 if match.group(5) else 1), 2)  # no "*100": a plain ratio (máy/người)


def formulas_to_values(src: str | Path, dst: str | Path) -> Path:
    """Every formula replaced by its value ("Paste Values" over the sheet).

    Computed percentages become their value (recomputed from the cells they divide); other
    formulas (checks, status) become the cached value the file held.
    """
    wb, _, dst = _edit(src, dst)
    cached = openpyxl.load_workbook(src, data_only=True)
    for ws in wb.worksheets:
        if ws.title == META_SHEET:
            continue
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    if "ROUND(" in cell.value and _RATE_FORMULA.search(cell.value):
                        value: object = _rate_constant(ws, cell.value)
                    else:
                        value = cached[ws.title][cell.coordinate].value
                    cell.value = None if value == "" else value
    cached.close()
    return _save(wb, dst)


_CACHED = re.compile(r"(<f>[^<]*</f>|<f [^>]*/>|<f [^>]*>[^<]*</f>)<v>[^<]*</v>")
_STR_FORMULA = re.compile(r'(<c [^>]*?) t="str"([^>]*><f)')


def drop_cached_values(src: str | Path, dst: str | Path) -> Path:
    """Formula cells keep their formula but lose their cached value (``<v>``), as written by
    programs that do not calculate; everything else in the package is kept byte for byte."""
    dst = Path(dst)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and item.filename.endswith(".xml"):
                text = data.decode("utf-8")
                text = _CACHED.sub(r"\1", text)
                text = _STR_FORMULA.sub(r"\1\2", text)
                data = text.encode("utf-8")
            zout.writestr(item, data)
    return dst


# --------------------------------------------------------------------------- text


def decompose_text(src: str | Path, dst: str | Path, everywhere: bool = False) -> Path:
    """Text typed in decomposed Unicode (NFD, as macOS and some keyboards produce).

    Args:
        everywhere: every text cell of every visible sheet (labels and headers too), not only
            the unit's input cells.
    """
    wb, _, dst = _edit(src, dst)
    for ws in wb.worksheets:
        if ws.title == META_SHEET:
            continue
        cells = ([c for row in ws.iter_rows() for c in row if isinstance(c.value, str)
                  and not c.value.startswith("=")] if everywhere else input_cells_of(ws))
        for cell in cells:
            cell.value = unicodedata.normalize("NFD", cell.value)
    return _save(wb, dst)


# TCVN3 (ABC, fonts .VnTime/.VnTimeH): one byte per letter; the bytes show as Latin-1 in Unicode.
# Per vowel: (no tone, huyền, hỏi, ngã, sắc, nặng).
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_TCVN3_VOWELS = {
    "a": ("a", 0xB5, 0xB6, 0xB7, 0xB8, 0xB9), "ă": (0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB), "e": ("e", 0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6), "i": ("i", 0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": ("o", 0xDF, 0xE1, 0xE2, 0xE3, 0xE4), "ô": (0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE), "u": ("u", 0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9), "y": ("y", 0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_UPPER = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7, "đ": 0xAE}
# VNI-Windows: a base letter followed by mark characters.
_VNI_TONES = ("", "ø", "û", "õ", "ù", "ï")
_VNI_TONES_UP = ("", "Ø", "Û", "Õ", "Ù", "Ï")
_VNI_HAT = ("â", "à", "å", "ã", "á", "ä")  # â ê ô with tones
_VNI_HAT_UP = ("Â", "À", "Å", "Ã", "Á", "Ä")
_VNI_BREVE = ("ê", "è", "ú", "ü", "é", "ë")  # ă with tones
_VNI_BREVE_UP = ("Ê", "È", "Ú", "Ü", "É", "Ë")
_VNI_I = ("i", "ì", "æ", "ó", "í", "ò")
_VNI_I_UP = ("I", "Ì", "Æ", "Ó", "Í", "Ò")


def _compose(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + _TONES[tone])


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    tcvn3: dict[str, str] = {k: chr(v) for k, v in _TCVN3_UPPER.items()}
    vni: dict[str, str] = {"đ": "ñ", "Đ": "Ñ"}
    for vowel, codes in _TCVN3_VOWELS.items():
        for tone, code in enumerate(codes):
            lower = _compose(vowel, tone)
            upper = _compose(vowel.upper(), tone)
            glyph = code if isinstance(code, str) else chr(code)
            tcvn3.setdefault(lower, glyph)
            if tone:  # toned capitals are typed with the capital font (.VnTimeH) on the same codes
                tcvn3.setdefault(upper, glyph)
            plain = unicodedata.normalize("NFD", vowel)[0]
            for text, marks_hat, marks_breve, marks_tone, ivals, case in (
                    (lower, _VNI_HAT, _VNI_BREVE, _VNI_TONES, _VNI_I, str.lower),
                    (upper, _VNI_HAT_UP, _VNI_BREVE_UP, _VNI_TONES_UP, _VNI_I_UP, str.upper)):
                if vowel in "âêô":
                    vni[text] = case(plain) + marks_hat[tone]
                elif vowel == "ă":
                    vni[text] = case(plain) + marks_breve[tone]
                elif vowel == "ơ":
                    vni[text] = case("ô") + marks_tone[tone]
                elif vowel == "ư":
                    vni[text] = case("ö") + marks_tone[tone]
                elif vowel == "i":
                    vni[text] = ivals[tone]
                elif vowel == "y" and tone == 5:
                    vni[text] = case("î")
                else:
                    vni[text] = case(plain) + marks_tone[tone]
    return tcvn3, vni


_TCVN3_MAP, _VNI_MAP = _tables()


def to_tcvn3(text: str) -> str:
    """Vietnamese text as typed with a TCVN3 font, read as Unicode: 'Phòng Nội vụ' -> 'Phßng Néi vô'."""
    return "".join(_TCVN3_MAP.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def to_vni(text: str) -> str:
    """Vietnamese text as typed with a VNI font, read as Unicode: 'Phòng Nội vụ' -> 'Phoøng Noäi vuï'."""
    return "".join(_VNI_MAP.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


LEGACY_PHRASE = "Phòng Nội vụ đã hoàn thành kế hoạch cải cách hành chính"


def legacy_text(src: str | Path, dst: str | Path, encoding: str = "tcvn3", phrase: str = LEGACY_PHRASE) -> Path:
    """Text typed with a legacy font: every text input cell re-encoded (TCVN3 or VNI), and
    ``phrase`` (encoded) typed into the note cell of the first indicator row.

    Args:
        encoding: ``tcvn3`` or ``vni``.
        phrase: the Vietnamese phrase written into the first note cell.
    """
    encode = {"tcvn3": to_tcvn3, "vni": to_vni}[encoding]
    wb, ident, dst = _edit(src, dst)
    for ws in wb.worksheets:
        if ws.title == META_SHEET:
            continue
        for cell in input_cells_of(ws):
            cell.value = encode(cell.value)
    lay = ident.indicator_layout()
    first = next(line for line in lay.lines if line.role != "heading")
    wb[lay.sheet.name].cell(first.row + 1, lay.note_col + 1, encode(phrase))
    return _save(wb, dst)


# --------------------------------------------------------------------------- values


NUMBERS_AS_TEXT = ("1.054", " 12 ", "12 hồ sơ", "-", "x", "không")
PERCENTS_AS_TEXT = ("99,9", "95%")


def default_text_numbers(ident: Identity) -> dict[CellKey, str]:
    """Where ``numbers_as_text`` types what by default: count cells get "1.054", " 12 ", "12 hồ sơ",
    "-", "x", "không"; percent cells "99,9" and "95%" (count cells when the form has no percent)."""
    counts = ident.input_keys({"count", "cumulative"})
    percents = ident.input_keys({"percent"})
    out = dict(zip(counts, NUMBERS_AS_TEXT, strict=False))
    spare = percents or counts[len(NUMBERS_AS_TEXT):]
    out.update(zip(spare, PERCENTS_AS_TEXT, strict=False))
    return out


def numbers_as_text(src: str | Path, dst: str | Path, typed: dict[CellKey, str] | None = None) -> Path:
    """Numbers typed as text ("1.054", "99,9", "95%", " 12 ", "12 hồ sơ", "-", "x", "không").

    Args:
        typed: (value code, column key) -> the text typed; ``default_text_numbers`` when None.
    """
    wb, ident, dst = _edit(src, dst)
    for key, text in (typed or default_text_numbers(ident)).items():
        sheet, ref = ident.cell(key)
        wb[sheet][ref].value = text
        wb[sheet][ref].data_type = "s"
    return _save(wb, dst)


def default_invalid_pastes(ident: Identity) -> dict[CellKey, float]:
    """Where ``paste_invalid`` pastes what by default: -5 into a count cell, 150 into a percent cell,
    2.5 into another count cell (not whole), 7 into a choice cell (not a code)."""
    counts = ident.input_keys({"count", "cumulative"})
    out: dict[CellKey, float] = {counts[0]: -5, counts[1]: 2.5}
    percents = ident.input_keys({"percent"})
    if percents:
        out[percents[0]] = 150
    choices = ident.input_keys({"choice"})
    if choices:
        out[choices[0]] = 7
    return out


def paste_invalid(src: str | Path, dst: str | Path, values: dict[CellKey, float] | None = None) -> Path:
    """Values pasted over the data validation (Excel does not check pasted cells).

    Args:
        values: (value code, column key) -> the value pasted; ``default_invalid_pastes`` when None.
    """
    wb, ident, dst = _edit(src, dst)
    for key, value in (values or default_invalid_pastes(ident)).items():
        sheet, ref = ident.cell(key)
        wb[sheet][ref].value = value
    return _save(wb, dst)


def roundtrip(src: str | Path, dst: str | Path) -> Path:
    """Load and save with openpyxl, nothing else (what every openpyxl injector does besides its change)."""
    wb, _, dst = _edit(src, dst)
    return _save(wb, dst)
