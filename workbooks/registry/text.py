"""Text helpers of the registry: normalising names and folding text for matching."""

from __future__ import annotations

import re
import unicodedata


def normalize_name(text: str) -> str:
    """Normalise a name: Unicode NFC, no-break spaces to spaces, single spaces, stripped.

    Args:
        text: raw text.

    Returns:
        The normalised text.
    """
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return " ".join(text.split())


def fold(text: str) -> str:
    """Reduce text to lower-case ASCII words, for accent- and case-insensitive matching.

    Args:
        text: any text ("Tỉnh Sơn La").

    Returns:
        The folded text ("tinh son la").
    """
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
