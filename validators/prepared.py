"""The key columns of a prepared values frame as integer codes, computed once per call.

Every check works on positions (rows of the prepared frame) and small integer codes instead
of re-reading the string columns: returns, ``(code, column)`` cells and the numeric columns
are factorised here once and shared by the cell checks, the rules and the list checks.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd


def factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` with the uniques as a plain object array (codes in order of appearance).

    Args:
        series: a column of the prepared frame.

    Returns:
        ``(codes, uniques)``.
    """
    codes, uniques = pd.factorize(series)
    return codes, np.asarray(uniques, dtype=object)


class Prepared:
    """A prepared values frame (see ``frame.normalise``) with its keys factorised."""

    def __init__(self, frame: pd.DataFrame) -> None:
        """Read the numeric columns and factorise returns, codes and columns.

        Args:
            frame: the prepared values frame (0..n-1 index).
        """
        self.frame = frame
        self.n = len(frame)
        self.item: np.ndarray = frame["item"].to_numpy()
        self.row: np.ndarray = frame["row"].to_numpy()
        self.number: np.ndarray = frame["number"].to_numpy()
        self.rid_codes, self.rid_uniques = factorize(frame["return_id"])
        self.code_codes, self.code_uniques = factorize(frame["code"])
        self.column_codes, self.column_uniques = factorize(frame["column"])
        self.memo: dict[object, object] = {}  # arrays derived for one form context

    @cached_property
    def pairs(self) -> tuple[np.ndarray, list[tuple[str, str]]]:
        """``(pair code of every row, (code, column) of every pair code)``."""
        width = max(len(self.column_uniques), 1)
        pair_codes, uniques = pd.factorize(self.code_codes.astype(np.int64) * width + self.column_codes)
        keys = [(self.code_uniques[u // width], self.column_uniques[u % width]) for u in uniques.tolist()]
        return pair_codes, keys

    def strings(self, column: str, positions: np.ndarray) -> np.ndarray:
        """The values of a column at ``positions`` (any shape) as an object array of Python objects.

        Args:
            column: a column of the frame.
            positions: row positions.

        Returns:
            Object array shaped like ``positions``.
        """
        flat = np.asarray(positions, dtype=np.intp).ravel()
        taken = self.frame[column].array.take(flat)
        return np.asarray(taken, dtype=object).reshape(np.shape(positions))
