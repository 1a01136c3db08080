"""A private folder of the user's: the engine cache and the Telegram state keep files in one.

What is read from such a folder is trusted (the engine cache unpickles it), so:

* :func:`open_folder` creates the folder private (mode 0700) and hands out its descriptor
  only while it is a real directory (not a symlink) owned by this user that neither group nor
  others can write to; every later look-up goes through that descriptor (``dir_fd``), so the
  folder checked is the folder used;
* :func:`open_file` opens a file in it without following a symlink or waiting on a FIFO, and
  hands it out only while it is a regular file of this user's with none of the mode bits the
  caller forbids (by default, writing by group or others);
* :func:`write_file` writes a file whole into a new private temporary file (mode 0600, never
  an existing file), then renames it over ``name``, so readers see the old file or the whole
  new one; with ``replace=False`` it is linked under ``name`` only if there is none yet.

Each function raises the caller's own error class, with the reason in words ("it belongs to
another user"), when something cannot be trusted.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final

from meetbot.errors import MeetbotError

WRITABLE_BY_OTHERS: Final = stat.S_IWGRP | stat.S_IWOTH
"""Mode bits that let someone else change a file or folder."""
OPEN_TO_OTHERS: Final = stat.S_IRWXG | stat.S_IRWXO
"""Mode bits that let someone else read, change or enter a file (for a secret key)."""


def open_folder(folder: Path, error: type[MeetbotError], *, create: bool = True) -> int:
    """The descriptor of ``folder`` (created private if missing and ``create``), once checked.

    Raises :class:`FileNotFoundError` when it does not exist (and not ``create``), ``error``
    when it is not a directory of this user's that no one else can write to.
    """
    if create:
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except FileExistsError:  # a file, or a symlink to nowhere
            raise error("it is not a directory") from None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:  # ELOOP: a symlink; ENOTDIR: not a directory
        raise error(f"it is a symlink or not a directory ({exc.strerror})") from None
    try:
        check_owned(os.fstat(fd), error, directory=True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_owned(info: os.stat_result, error: type[MeetbotError], *,
                forbidden: int = WRITABLE_BY_OTHERS, directory: bool = False) -> None:
    """Raise ``error`` unless ``info`` is a regular file (or a directory) owned by this user,
    with none of the ``forbidden`` mode bits."""
    if directory and not stat.S_ISDIR(info.st_mode):
        raise error("it is not a directory")
    if not directory and not stat.S_ISREG(info.st_mode):
        raise error("it is not a regular file")
    if info.st_uid != os.geteuid():
        raise error("it belongs to another user")
    if info.st_mode & forbidden:
        what = "change" if info.st_mode & forbidden & WRITABLE_BY_OTHERS else "read"
        raise error(f"its mode {stat.S_IMODE(info.st_mode):o} lets others {what} it")


def open_file(folder: int, name: str, error: type[MeetbotError], *,
              forbidden: int = WRITABLE_BY_OTHERS) -> BinaryIO | None:
    """``name`` in the folder ``folder``, open for reading once checked (None: no such file).

    Raises ``error`` when it is a symlink, or not a regular file of this user's without the
    ``forbidden`` mode bits (:func:`check_owned`); a FIFO is refused, not waited on.
    """
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                     dir_fd=folder)
    except FileNotFoundError:
        return None
    except OSError as exc:  # ELOOP: a symlink
        raise error(f"it cannot be opened ({exc.strerror})") from None
    handle = os.fdopen(fd, "rb")
    try:
        check_owned(os.fstat(handle.fileno()), error, forbidden=forbidden)
    except BaseException:
        handle.close()
        raise
    return handle


def write_file(folder: int, name: str, write: Callable[[BinaryIO], object], *,
               durable: bool = False, replace: bool = True) -> None:
    """Write ``name`` in the folder ``folder`` whole: ``write`` fills a new private temporary
    file, which then takes the name.

    ``durable`` syncs the data to disk before the rename. With ``replace=False`` an existing
    ``name`` is kept and :class:`FileExistsError` raised. The temporary file never outlives
    the call.
    """
    temporary = f".{name}-{os.urandom(8).hex()}.tmp"
    placed = False
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600, dir_fd=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            placed = True
        else:
            os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder,
                    follow_symlinks=False)
    finally:
        if not placed:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
