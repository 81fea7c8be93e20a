"""Text safe to print and to store: what came from a file system or a file never reaches a
terminal or a cell as control characters, undecodable bytes or direction overrides."""

from __future__ import annotations

# Characters that must never reach a terminal or a cell as themselves: C0/C1 controls, DEL and
# the bidirectional overrides that make a name display as another one.
_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def printable(text: str) -> str:
    """``text`` safe to print and store: undecodable bytes and control characters as escapes.

    Args:
        text: a file name or path as the OS gave it (undecodable bytes as surrogates).

    Returns:
        The same text where every byte that was not UTF-8 reads ``\\xe1`` and every control or
        direction-override character reads ``\\x1b`` / ``\\u202e``; other text is unchanged.
    """
    if text.isprintable():  # the usual case, decided in C (controls, overrides, surrogates are not)
        return text
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif code in _BIDI or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
