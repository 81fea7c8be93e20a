"""What the command line says when something goes wrong: Vietnamese, with what to do, no traceback.

``CliError`` is a user's mistake a command detected (a message id of the ``cli`` family and its
parameters). ``os_error_message`` turns an ``OSError`` (the operating system's errno, whose
own text is English) into the Vietnamese message for that errno, naming the file.
``message_for`` maps any exception the top-level handler of ``cchc`` catches to a message and an
exit code.
"""

from __future__ import annotations

import errno
import os
from pathlib import PurePath

from workbooks.messages import Message, say

EXIT_USAGE = 2  # a user's mistake: wrong argument, missing or locked file
EXIT_BUG = 3  # a programming mistake (run again with --debug to see the traceback)
EXIT_INTERRUPTED = 130

READ, WRITE = "read", "write"
_DENIED = {errno.EACCES, errno.EPERM, getattr(errno, "ETXTBSY", -1)}
_BY_ERRNO = {
    errno.ENOENT: "cli.os.not_found",
    errno.EISDIR: "cli.os.is_directory",
    errno.ENOTDIR: "cli.os.not_directory",
    errno.EEXIST: "cli.os.exists_not_directory",
    errno.EROFS: "cli.os.read_only_disk",
    errno.ENOSPC: "cli.os.disk_full",
    getattr(errno, "EDQUOT", -1): "cli.os.disk_full",
    errno.ENAMETOOLONG: "cli.os.name_too_long",
}


class CliError(Exception):
    """A user's mistake found by a command: a ``cli`` message and the exit code to return."""

    def __init__(self, message_id: str | Message, exit_code: int = EXIT_USAGE, **params: object) -> None:
        self.message = message_id if isinstance(message_id, Message) else say(message_id, **params)
        self.exit_code = exit_code
        super().__init__(str(self.message))


def _path_of(exc: OSError, path: str | PurePath | None) -> str:
    """The file an error is about: the caller's, else the destination of a rename, else the file."""
    if path is not None:
        return str(path)
    if exc.filename2 is not None and str(exc.filename).endswith(".tmp"):
        return str(exc.filename2)  # os.replace(tmp, out): the user's file is ``out``
    if exc.filename is not None:
        return str(exc.filename).removesuffix(".tmp")  # a writer's temporary name: say the user's file
    return "…"


def os_error_message(exc: OSError, path: str | PurePath | None = None, action: str | None = None) -> Message:
    """The Vietnamese message of an operating-system error (never its English text).

    Args:
        exc: the error (its ``errno`` chooses the message).
        path: the file or folder the user named (default: the one the error names).
        action: ``READ`` or ``WRITE`` when known (a denied write says: close the file in Excel).

    Returns:
        The message, naming the file and saying what to do.
    """
    shown = _path_of(exc, path)
    name = PurePath(shown).name or shown
    code = exc.errno
    if code in _DENIED or isinstance(exc, PermissionError):
        return _denied(shown, name, action)
    message_id = _BY_ERRNO.get(code or 0)
    if message_id is None:
        return say("cli.os.other", path=shown, code=str(code if code is not None else "?"))
    return say(message_id, path=shown, name=name)


def _denied(shown: str, name: str, action: str | None) -> Message:
    """Access refused: to a folder (its own message), to a file not yet made (its folder), to a file."""
    if os.path.isdir(shown):  # os.path: False, never an error, when even looking is refused
        return say("cli.os.folder_denied_write" if action == WRITE else "cli.os.folder_denied", path=shown)
    if shown != "…" and not os.path.lexists(shown) and action != READ:
        parent = os.path.dirname(shown) or "."
        return say("cli.os.folder_denied_write", path=parent)  # creating it in its folder failed
    message_id = {READ: "cli.os.denied_read", WRITE: "cli.os.denied_write"}.get(action or "", "cli.os.denied")
    return say(message_id, path=shown, name=name)


def unwrap_os_error(exc: BaseException) -> OSError | None:
    """The ``OSError`` behind ``exc``: itself, or one a library wrapped (xlsxwriter's FileCreateError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError):
            return current
        seen.add(id(current))
        inner = next((a for a in current.args if isinstance(a, OSError)), None)
        current = inner or current.__cause__ or current.__context__
    return None


def message_for(exc: BaseException) -> tuple[Message, int]:
    """The message and exit code of an exception that reached the top of ``cchc``.

    Args:
        exc: the exception.

    Returns:
        (message, exit code): ``EXIT_USAGE`` for a user's mistake (our errors, the operating
        system's), ``EXIT_BUG`` for anything else (a programming mistake).
    """
    if isinstance(exc, CliError):
        return exc.message, exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return say("cli.interrupted"), EXIT_INTERRUPTED
    os_error = unwrap_os_error(exc)
    if os_error is not None:
        return os_error_message(os_error), EXIT_USAGE
    if _is_ours(exc):
        # already a Vietnamese sentence of its own module; the id names where it came from
        return Message(f"exception.{type(exc).__name__}", str(exc)), int(getattr(exc, "exit_code", EXIT_USAGE))
    return say("cli.unexpected", kind=type(exc).__name__), EXIT_BUG


def _is_ours(exc: BaseException) -> bool:
    """Our own exceptions whose text is already a Vietnamese sentence for the user."""
    from workbooks.catalog.loader import CatalogError
    from workbooks.registry import RegistryError

    ours: tuple[type[BaseException], ...] = (CatalogError, RegistryError)
    try:
        from consolidate.run import ConsolidateError
        from workbooks.reader import ReturnRejected
    except ImportError:  # a build without the consolidation
        return isinstance(exc, ours)
    return isinstance(exc, (*ours, ConsolidateError, ReturnRejected))
