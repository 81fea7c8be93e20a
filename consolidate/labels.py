"""Vietnamese words for statuses, reasons, submission states and measures of the output.

The words themselves live in the message catalogue (``workbooks/messages/labels.yaml``, ids
``label.<family>.<id>``); this module gives them to the output, the console summary and the tidy
data as dictionaries. How each kind of figure is made comes from the kinds table.
"""

from __future__ import annotations

from workbooks.catalog.kinds import KINDS
from workbooks.messages import catalogue, say


def _family(name: str) -> dict[str, str]:
    prefix = f"label.{name}."
    return {key[len(prefix):]: entry["message"] for key, entry in catalogue().items() if key.startswith(prefix)}


STATUS_LABELS: dict[str, str] = _family("status")
REASON_LABELS: dict[str, str] = _family("reason")
SUBMISSION_LABELS: dict[str, str] = _family("submission")
MEASURE_LABELS: dict[str, str] = _family("measure")
KIND_METHODS: dict[str, str] = {name: kind.method for name, kind in KINDS.items()}


def reason_label(reason: str) -> str:
    """Name a reason in Vietnamese.

    Args:
        reason: a reason id (``damaged``, ``older_version``, a folder scan's ``scan.*`` …).

    Returns:
        Its label; a folder scan's reason gives its message. Every reason the reader and the
        consolidation give has a label (a test checks it), so no id reaches a user.
    """
    if reason in REASON_LABELS:
        return REASON_LABELS[reason]
    return say(reason).text if reason.startswith("scan.") else reason
