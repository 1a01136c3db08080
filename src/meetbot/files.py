"""Read a named file safely: only a regular file, and never more than a limit.

Every path a user names (a document to ingest, a question file, a token file, the files of a
knowledge directory) is read with :func:`read_regular`. A FIFO would block the reader until
someone writes to it, and a device such as ``/dev/zero`` never ends, so both are refused
before anything is read: the file is opened with ``O_NONBLOCK`` (opening a FIFO does not
wait for a writer) and checked with ``fstat`` on the open descriptor, so what is read is what
was checked. At most ``limit + 1`` bytes are read, whatever the file claims its size is.
"""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

from meetbot.errors import MeetbotError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest knowledge file, source text or document meetbot reads."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(MeetbotError):
    """the file cannot be read"""


class NotRegularFile(FileRefused):
    """not a regular file"""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"it is {kind}, not a regular file")


class FileTooLarge(FileRefused):
    """the file is too large"""

    def __init__(self, size: int | None, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"it is {describe_size(size, limit)}; the limit is "
                         f"{format_bytes(limit)}")


def format_bytes(size: int, *, round_up: bool = False) -> str:
    """``size`` for a reader: "5 MB", "1.2 MB", "4 KB", "300 bytes".

    ``round_up`` rounds to the tenth above, so a file just over a limit never reads as
    the limit itself ("5.1 MB", not "5.0 MB").
    """
    for unit, name in ((2**20, "MB"), (2**10, "KB")):
        if size >= unit:
            value = size / unit
            if round_up:
                value = math.ceil(value * 10) / 10
            return f"{value:.0f} {name}" if value == int(value) else f"{value:.1f} {name}"
    return f"{size} bytes"


def describe_size(size: int | None, limit: int) -> str:
    """How large a refused file is ("5.1 MB"; "more than 5 MB" when it grew while read)."""
    if size is None or size <= limit:
        return f"more than {format_bytes(limit)}"
    return format_bytes(size, round_up=True)


def kind_of(mode: int) -> str:
    """What a non-regular ``st_mode`` is, in words ("a FIFO (named pipe)")."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, of at most ``limit`` bytes.

    Raises :class:`NotRegularFile` for a directory, FIFO, device or socket (without waiting
    on it), :class:`FileTooLarge` when the file is larger than ``limit`` (reading at most
    ``limit + 1`` bytes to find out), and ``OSError`` when it cannot be opened or read.
    """
    mode = os.stat(path).st_mode  # refuse a device before even opening it
    if not stat.S_ISREG(mode):
        raise NotRegularFile(kind_of(mode))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)  # the file actually opened, should it have been swapped
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(kind_of(info.st_mode))
        if info.st_size > limit:
            raise FileTooLarge(info.st_size, limit)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileTooLarge(None, limit)
    return data
