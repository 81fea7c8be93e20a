"""Consolidation: a folder of returns → province totals, completeness, errors (``cchc consolidate``).

Modules, in pipeline order: ``scan`` (find files) → ``ingest`` (the per-file step, in
parallel; values encoded by ``blob`` as Arrow IPC) → ``store`` (SQLite: every return ever read,
every run) → ``select`` (rejections, newest return per unit, timeliness; ``blob`` stacks the
values) → the validators (one vectorised call) → ``aggregate`` (DOMAIN.md section 4) →
``output`` / ``summary_sheet`` / ``charts`` (the workbook), ``tidy`` (Parquet/CSV, written by a
``forked`` copy of the process meanwhile) and ``report`` (the end summary).
``run.consolidate`` chains them.
"""

from consolidate.run import ConsolidateError, Consolidation, consolidate

__all__ = ["ConsolidateError", "Consolidation", "consolidate"]
