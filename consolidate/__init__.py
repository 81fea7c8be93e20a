"""Consolidation: a folder of returns → province totals, completeness, errors (``cchc consolidate``).

Modules, in pipeline order: ``scan`` (find files) → ``ingest`` (the per-file step, in
parallel; values encoded by ``blob`` as Arrow IPC) → ``store`` (SQLite: every return ever read,
every run) → ``select`` (rejections, newest return per unit, timeliness; ``blob`` stacks the
values) → the validators (one vectorised call) → ``aggregate`` (DOMAIN.md section 4) →
``output`` / ``summary_sheet`` / ``charts`` (the workbook), ``tidy`` (Parquet/CSV) and ``report``
(the end summary).
``run.run`` chains them; ``model`` holds the plain data passed between them (``Options`` in,
``Consolidation`` out), so no step imports the pipeline.
"""

from consolidate.model import ConsolidateError, Consolidation, Options
from consolidate.run import consolidate, run

__all__ = ["ConsolidateError", "Consolidation", "Options", "consolidate", "run"]
