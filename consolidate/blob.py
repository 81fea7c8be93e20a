"""A return's values as bytes: Arrow IPC (LZ4), made by the worker, stored as is, stacked in bulk.

The per-file step turns the reader's records into one Arrow record batch and ships its bytes;
the same bytes go into the store. The main process stacks a thousand of them into the values
frame (``workbooks.reader.model.VALUE_COLUMNS``) without a Python object per value: text
columns stay Arrow strings (pandas' string dtype), numbers stay numpy arrays. Only ``raw``
(display values of mixed types) is rebuilt as an object column, by type, in a few vector steps.
"""

from __future__ import annotations

import math
import zlib
from array import array
from collections.abc import Sequence
from datetime import date, datetime
from datetime import time as dtime
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from workbooks.reader import VALUE_COLUMNS

if TYPE_CHECKING:  # pandas is needed to stack, not to encode: the reading processes do without it
    import pandas as pd

#: Columns of the per-return records, in the reader's order (``VALUE_COLUMNS`` without the
#: identity columns return_id, unit_code, form_id).
RECORD_COLUMNS: list[str] = VALUE_COLUMNS[3:]
TEXT_COLUMNS = ("sheet_id", "sheet", "code", "column", "cell", "kind", "text", "parse")
IDENTITY_COLUMNS = ("return_id", "unit_code", "form_id")

# ``raw`` is stored as a type tag plus a number and a text column.
RAW_NONE, RAW_INT, RAW_FLOAT, RAW_TEXT = 0, 1, 2, 3

_TEXT = pa.large_string()
SCHEMA = pa.schema([*[(c, _TEXT) for c in TEXT_COLUMNS], ("item", pa.int64()), ("row", pa.int64()),
                    ("number", pa.float64()), ("raw_type", pa.int8()), ("raw_number", pa.float64()),
                    ("raw_text", _TEXT)])
_LZ4 = pa.Codec.is_available("lz4")


def plain(value: Any) -> Any:
    """Turn a raw cell value into what is kept: None, int, float or text.

    Dates become ISO text and booleans "TRUE"/"FALSE", so a return read from its file and the
    same return loaded from the store are identical (raw values are for display only; the
    parsed ``number``/``text`` columns carry the meaning).

    Args:
        value: the cell content as the reader found it.

    Returns:
        The plain value.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime) and value.time() == dtime(0, 0):
        return value.date().isoformat()
    if isinstance(value, datetime | date | dtime):
        return value.isoformat()
    return str(value)


def _split_raw(values: Sequence[Any]) -> tuple[list[int], list[float], list[str]]:
    """Raw values as three columns: type tag, number (NaN if none), text ("" if none), made ``plain``."""
    types: list[int] = []
    numbers: list[float] = []
    texts: list[str] = []
    for found in values:
        value = found if found is None or type(found) in (str, float) else plain(found)
        if type(value) is float and value != value:  # NaN: blank
            value = None
        if value is None:
            types.append(RAW_NONE)
            numbers.append(math.nan)
            texts.append("")
        elif isinstance(value, str):
            types.append(RAW_TEXT)
            numbers.append(math.nan)
            texts.append(value)
        else:
            types.append(RAW_INT if isinstance(value, int) else RAW_FLOAT)
            numbers.append(float(value))
            texts.append("")
    return types, numbers, texts


# The arrays are built from their buffers: ``pa.array`` would import pandas in the reading
# processes (pyarrow looks for pandas objects in what it is given), a quarter of a second each.


def _text_arrays(columns: Sequence[Sequence[str | None]]) -> list[pa.Array]:
    """Text columns of one length as large_string arrays ("" for None), encoded in one go.

    The texts are joined with NUL characters and encoded at once; the offsets come from where
    the separators fell (value by value when a text holds a NUL itself). One array holds every
    column; each column is a slice of it (Arrow IPC writes a slice's own part only).
    """
    n = len(columns[0]) if columns else 0
    texts = [v or "" for column in columns for v in column]
    joined = "\0".join(texts).encode("utf-8", "replace")
    ends = np.flatnonzero(np.frombuffer(joined, dtype=np.uint8) == 0)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    if len(ends) == max(0, len(texts) - 1):
        offsets[1:-1] = ends - np.arange(len(ends))
        offsets[-1] = len(joined) - len(ends)
        data = joined.replace(b"\0", b"")
    else:  # a NUL inside a text (possible in old .xls files)
        encoded = [t.encode("utf-8", "replace") for t in texts]
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        data = b"".join(encoded)
    whole = pa.Array.from_buffers(_TEXT, len(texts), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return [whole.slice(i * n, n) for i in range(len(columns))]


def _number_array(kind: pa.DataType, code: str, values: Sequence[float | int]) -> pa.Array:
    """Numbers without nulls (``code``: the ``array`` type code matching ``kind``)."""
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(array(code, values))])


def encode_records(records: Sequence[tuple]) -> bytes:
    """The reader's records of one return as a blob.

    Args:
        records: tuples ordered as ``RECORD_COLUMNS`` (``raw`` as the reader found it: made
            ``plain`` here; ``number`` a float or NaN; ``item``/``row`` ints).

    Returns:
        Arrow IPC stream bytes of one record batch (``SCHEMA``), compressed (``_pack``): about
        14 kB for 300 values.
    """
    columns = dict(zip(RECORD_COLUMNS, zip(*records, strict=True), strict=True)) if records else {
        c: () for c in RECORD_COLUMNS}
    raw_type, raw_number, raw_text = _split_raw(columns["raw"])
    *texts, raw_texts = _text_arrays([*(columns[c] for c in TEXT_COLUMNS), raw_text])
    arrays = [*texts, _number_array(pa.int64(), "q", columns["item"]), _number_array(pa.int64(), "q", columns["row"]),
              _number_array(pa.float64(), "d", columns["number"]), _number_array(pa.int8(), "b", raw_type),
              _number_array(pa.float64(), "d", raw_number), raw_texts]
    batch = pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, SCHEMA) as writer:
        writer.write_batch(batch)
    return _pack(sink.getvalue())


def _pack(data: pa.Buffer) -> bytes:
    """Compress: one codec byte (``L`` LZ4 frame, ``Z`` zlib), the size (8 bytes), the data.

    LZ4 is five times faster than zlib both ways (0.04 ms per return), for blobs half again
    as large; zlib is the fallback for an Arrow build without LZ4.
    """
    size = data.size.to_bytes(8, "little")
    if _LZ4:
        return b"L" + size + pa.compress(data, codec="lz4", asbytes=True)
    return b"Z" + size + zlib.compress(data.to_pybytes(), 1)


def _unpack(blob: bytes) -> pa.Buffer:
    """Undo ``_pack``."""
    codec, size, data = blob[:1], int.from_bytes(blob[1:9], "little"), blob[9:]
    if codec == b"L":
        return pa.decompress(data, decompressed_size=size, codec="lz4")
    return pa.py_buffer(zlib.decompress(data))


def decode_table(blob: bytes | None) -> pa.Table:
    """The record table of a blob made by ``encode_records``.

    Args:
        blob: the bytes (None or empty: no values).

    Returns:
        A table with ``SCHEMA``.
    """
    if not blob:
        return SCHEMA.empty_table()
    return pa.ipc.open_stream(_unpack(blob)).read_all()


@cache
def _string_dtype() -> tuple[object, bool]:
    """pandas' default string dtype, and whether pyarrow stores it (pandas 3)."""
    import pandas as pd

    dtype = pd.Series(dtype=str).dtype
    return dtype, getattr(dtype, "storage", None) == "pyarrow"


def _text_series(array: pa.Array) -> pd.Series:
    """A text column in pandas' string dtype (Arrow-backed without copying under pandas 3)."""
    import pandas as pd

    dtype, arrow = _string_dtype()
    if arrow:
        return pd.Series(pd.array(array, dtype=dtype))
    return pd.Series(array.to_pylist(), dtype=object)


def _raw_column(table: pa.Table) -> np.ndarray:
    """``raw`` as an object array of Python values (None, int, float, str)."""
    types = table.column("raw_type").to_numpy()
    raw = np.full(len(types), None, dtype=object)
    numbers = table.column("raw_number").to_numpy(zero_copy_only=False)
    for tag, convert in ((RAW_INT, lambda a: a.astype(np.int64)), (RAW_FLOAT, lambda a: a)):
        at = np.flatnonzero(types == tag)
        if len(at):
            raw[at] = convert(numbers[at]).tolist()
    at = np.flatnonzero(types == RAW_TEXT)
    if len(at):
        raw[at] = np.array(table.column("raw_text").take(pa.array(at)).to_pylist(), dtype=object)
    return raw


def records_frame(table: pa.Table) -> pd.DataFrame:
    """A record table as a frame with ``RECORD_COLUMNS``.

    Args:
        table: from ``decode_table`` (or several concatenated).

    Returns:
        The frame (text columns in pandas' string dtype, ``raw`` object).
    """
    import pandas as pd

    table = table.combine_chunks()
    frame = pd.DataFrame({c: _text_series(table.column(c).combine_chunks()) for c in TEXT_COLUMNS})
    for c in ("item", "row", "number"):
        frame[c] = table.column(c).to_numpy()
    frame["raw"] = pd.Series(_raw_column(table), dtype=object)  # as is: never inferred as text
    return frame[RECORD_COLUMNS]


def stack_frames(tables: Sequence[pa.Table], identities: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """Stack the record tables of many returns into one values frame.

    Args:
        tables: one record table per return.
        identities: (return_id, unit_code, form_id) of each return, same order.

    Returns:
        A frame with ``VALUE_COLUMNS``, returns in the given order, index 0..n-1.
    """
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    frame = records_frame(table)
    owner = pa.array(np.repeat(np.arange(len(tables), dtype=np.int32), [t.num_rows for t in tables]),
                     pa.int32())
    for k, name in enumerate(IDENTITY_COLUMNS):
        names = pa.array([ident[k] for ident in identities], _TEXT)
        frame[name] = _text_series(pa.DictionaryArray.from_arrays(owner, names).dictionary_decode())
    return frame[VALUE_COLUMNS]


def decode_columns(blob: bytes | None) -> dict[str, list[Any]]:
    """The values of a blob as plain lists per ``RECORD_COLUMNS`` entry.

    Args:
        blob: the bytes.

    Returns:
        Column name -> list.
    """
    frame = records_frame(decode_table(blob))
    return {c: frame[c].tolist() for c in RECORD_COLUMNS}
