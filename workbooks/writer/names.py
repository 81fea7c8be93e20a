"""Stable defined names: how the reader finds data areas even after rows move (see the contract)."""

from __future__ import annotations

from workbooks.contract import INFO_NAMES, data_name, status_name, table_name

__all__ = ["INFO_NAMES", "data_name", "status_name", "table_name"]
