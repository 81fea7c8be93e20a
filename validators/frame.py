"""Preparing the reader's tidy values frame (``workbooks.reader.model.VALUE_COLUMNS``) for the checks."""

from __future__ import annotations

import pandas as pd

from workbooks.reader.model import VALUE_COLUMNS

TEXT_COLUMNS = ["return_id", "unit_code", "form_id", "sheet_id", "sheet", "code", "column", "cell",
                "kind", "text", "parse"]
INT_COLUMNS = ["item", "row"]
SEP = "\x1f"  # joins keys into one string for vectorised membership tests


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
    out = values[VALUE_COLUMNS].reset_index(drop=True).copy()
    for col in TEXT_COLUMNS:
        out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
    for col in INT_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").fillna(0).astype("int64")
    out["number"] = pd.to_numeric(out["number"], errors="coerce").astype("float64")
    out["raw"] = out["raw"].astype(object)
    return out


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
        Frame indexed by ``return_id``.
    """
    return frame.groupby("return_id", sort=False)[["unit_code", "form_id"]].first()


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
