"""Last round's figures, side by side with this round's (``--previous``)."""

from __future__ import annotations

from dataclasses import dataclass

from consolidate.summary_sheet import TotalsIndex


@dataclass
class PreviousRound:
    """Last round's totals (indexed as ``totals_index``)."""

    totals: TotalsIndex
