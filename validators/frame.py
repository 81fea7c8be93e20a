"""Preparing the reader's tidy values frame (``workbooks.reader.model.VALUE_COLUMNS``) for the checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbooks.reader.model import VALUE_COLUMNS

TEXT_COLUMNS = ["return_id", "unit_code", "form_id", "sheet_id", "sheet", "code", "column", "cell",
                "kind", "text", "parse"]
INT_COLUMNS = ["item", "row"]
SEP = "\x1f"  # joins keys into one string for vectorised membership tests
STR = pd.Series(dtype=str).dtype  # pandas' default string dtype (what ``astype(str)`` gives)
_ARROW_STR = getattr(STR, "storage", None) == "pyarrow"  # pandas 3: pyarrow large strings


def normalise(values: pd.DataFrame) -> pd.DataFrame:
    """A copy of the values frame with a 0..n-1 index and predictable dtypes.

    Text columns become ``str`` ("" for missing), ``item``/``row`` integers, ``number`` float
    (anything that is not a number becomes NaN); ``raw`` is kept as found.

    Args:
        values: the reader's values frame (one return or many stacked).

    Returns:
        The prepared frame; an empty frame with ``VALUE_COLUMNS`` when ``values`` is empty.

    Raises:
        ValueError: a non-empty frame lacks some ``VALUE_COLUMNS`` (a broken contract, ours).
    """
    if values is None or (values.empty and not set(VALUE_COLUMNS) <= set(values.columns)):
        values = pd.DataFrame(columns=VALUE_COLUMNS)
    missing = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing:
        raise ValueError(f"values frame lacks columns {missing} (see workbooks/reader/model.py)")
    # a shallow copy: every column changed below is replaced, never written into, so the
    # caller's frame is left as it was without first copying columns about to be replaced
    out = values[VALUE_COLUMNS].reset_index(drop=True).copy(deep=False)
    for col in TEXT_COLUMNS:  # columns already of the string dtype without gaps are kept as they are
        if out[col].dtype != STR or out[col].hasnans:
            out[col] = as_text(out[col])
        out[col] = one_chunk(out[col])
    for col in INT_COLUMNS:
        if out[col].dtype != np.int64:
            out[col] = pd.to_numeric(out[col], errors="coerce").fillna(0).astype("int64")
    if out["number"].dtype != np.float64:
        out["number"] = pd.to_numeric(out["number"], errors="coerce").astype("float64")
    if out["raw"].dtype != object:
        out["raw"] = out["raw"].astype(object)
    return out


def as_text(column: pd.Series) -> pd.Series:
    """A column as the string dtype, "" for missing values (None, NaN …).

    The same as ``column.astype(object).where(column.notna(), "").astype(str)``; an object
    column holding only text and gaps (the usual case) goes straight to pyarrow when that is
    what the string dtype stores, ten times faster.

    Args:
        column: any column.

    Returns:
        The string column (same index and name).
    """
    if _ARROW_STR and column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in {"string", "empty"}:
        try:
            chunk = pa.array(column.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError):
            chunk = None
        if chunk is not None:
            chunk = pc.fill_null(chunk, "") if chunk.null_count else chunk
            return pd.Series(pd.array(chunk, dtype=STR), index=column.index, name=column.name)
    return column.astype(object).where(column.notna(), "").astype(str)


def one_chunk(column: pd.Series) -> pd.Series:
    """A pyarrow-backed string column in one piece (``pd.concat`` of 1,000 returns leaves 1,000
    chunks, which makes every later ``take`` of a few rows cost a millisecond).

    Args:
        column: a string column.

    Returns:
        The same values, one chunk (the column itself when it already is, or not pyarrow-backed).
    """
    if getattr(column.dtype, "storage", None) != "pyarrow":
        return column
    chunks = pa.array(column.array)
    if not isinstance(chunks, pa.ChunkedArray) or chunks.num_chunks <= 1:
        return column
    return pd.Series(pd.array(chunks.combine_chunks(), dtype=column.dtype), index=column.index, name=column.name)


def is_blank(frame: pd.DataFrame) -> pd.Series:
    """True where a cell is blank: tagged ``blank``, or holding neither a number nor text.

    Args:
        frame: a prepared values frame (or a merge of it).

    Returns:
        Boolean Series aligned with ``frame``.
    """
    untagged_empty = frame["parse"].eq("") & frame["number"].isna() & frame["text"].eq("")
    return frame["parse"].eq("blank") | untagged_empty


def tag(frame: pd.DataFrame, prefix: str) -> pd.Series:
    """True where the ``parse`` tag starts with ``prefix`` (``coerced:``, ``invalid:`` …).

    Args:
        frame: a prepared values frame.
        prefix: the tag prefix, with its colon.

    Returns:
        Boolean Series.
    """
    return frame["parse"].str.startswith(prefix)


def tag_detail(frame: pd.DataFrame) -> pd.Series:
    """The part of the ``parse`` tag after the colon (``thousands`` of ``coerced:thousands``).

    Args:
        frame: a prepared values frame.

    Returns:
        String Series ("" when the tag has no colon).
    """
    return frame["parse"].str.partition(":")[2]


def return_meta(frame: pd.DataFrame) -> pd.DataFrame:
    """``unit_code`` and ``form_id`` of every return (first row of each).

    Args:
        frame: a prepared values frame.

    Returns:
        Frame indexed by ``return_id``, returns in order of first appearance.
    """
    codes, _ = pd.factorize(frame["return_id"])
    return frame.iloc[first_positions(codes)].set_index("return_id")[["unit_code", "form_id"]]


def object_array(values: list) -> np.ndarray:
    """A 1-d object array holding ``values`` as they are (tuples stay tuples, never a 2-d array).

    Args:
        values: any objects.

    Returns:
        Object array of ``len(values)``.
    """
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def first_positions(codes: np.ndarray) -> np.ndarray:
    """Position of the first occurrence of every code of ``pd.factorize`` (codes 0, 1, … in order).

    Args:
        codes: factorize codes (first appearances numbered in order, no -1).

    Returns:
        ``out[c]`` = first position of code ``c``.
    """
    if not len(codes):
        return np.zeros(0, dtype=np.intp)
    seen = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, codes[1:] > seen[:-1]])


def col_letters(col: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA).

    Args:
        col: 0-based column index.

    Returns:
        The letters.
    """
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
