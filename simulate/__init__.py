"""Simulated returns: plausible values for any catalog form, and a whole simulated round.

Used by the tests, the benchmarks and ``cchc demo``.

``plausible_prefill`` draws values for every input cell a unit of a level fills (counts in
ranges that fit their unit of measure, percentages, choices, yes/no, texts, dates, list rows,
the reporter block) and repairs them against every rule instance of the form until none is
violated. A form whose rules cannot be satisfied is a catalog bug: ``UnsatisfiableRules``.

``simulate_round`` writes a folder of returns as Sở Nội vụ receives them by e-mail: renamed
files, a few units missing, some late, some with typical mistakes (numbers typed as text, a
part larger than its whole, more tasks done than planned), one unit sending two versions and
one damaged file. It returns the truth (what every unit's file holds) so the reader, the
validators and the consolidation can be measured against it.

Everything goes through the xlsxwriter writer (``generate_workbook`` with a ``Prefill``); no
file is opened again, so a round of hundreds of returns takes seconds.

The package is split by concern: ``cells`` (the input cells of a level, compiled once per
form), ``oracle`` (the independent rule evaluator: never imports ``validators``), ``draw``
(values per kind), ``repair`` (constraint repair), ``prefill``, ``mistakes``, ``names``
(e-mailed file names) and ``round`` (a whole folder and its truth).
"""

from simulate.cells import InputCell, computed_cells, input_cells
from simulate.mistakes import MISTAKE_KINDS, RULE_MISTAKES, TEXT_MISTAKES, Mistake, add_mistakes
from simulate.names import emailed_name
from simulate.oracle import evaluate, numeric_view, rate, violations
from simulate.prefill import plausible_prefill
from simulate.repair import UnsatisfiableRules
from simulate.round import SimulationTruth, UnitTruth, simulate_round

__all__ = [
    "MISTAKE_KINDS", "RULE_MISTAKES", "TEXT_MISTAKES", "InputCell", "Mistake", "SimulationTruth", "UnitTruth",
    "UnsatisfiableRules", "add_mistakes", "computed_cells", "emailed_name", "evaluate", "input_cells",
    "numeric_view", "plausible_prefill", "rate", "simulate_round", "violations",
]
