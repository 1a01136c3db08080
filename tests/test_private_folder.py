"""The private folder the engine cache and the Telegram state keep their files in."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from meetbot.errors import MeetbotError
from meetbot.private_folder import OPEN_TO_OTHERS, open_file, open_folder, write_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="private folders are POSIX only")


class Untrusted(MeetbotError):
    """The folder or file cannot be trusted."""


def _written(folder: Path, name: str, data: bytes, *, replace: bool = True) -> None:
    fd = open_folder(folder, Untrusted)
    try:
        write_file(fd, name, lambda handle: handle.write(data), replace=replace)
    finally:
        os.close(fd)


def _read(folder: Path, name: str, forbidden: int | None = None) -> bytes | None:
    fd = open_folder(folder, Untrusted, create=False)
    try:
        handle = (open_file(fd, name, Untrusted) if forbidden is None else
                  open_file(fd, name, Untrusted, forbidden=forbidden))
        if handle is None:
            return None
        with handle:
            return handle.read()
    finally:
        os.close(fd)


def test_a_new_folder_and_its_files_are_private_and_no_temporary_file_is_left(
        tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "state"
    _written(folder, "state.json", b"{}")
    _written(folder, "state.json", b'{"a": 1}')
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "state.json").stat().st_mode) == 0o600
    assert os.listdir(folder) == ["state.json"]
    assert _read(folder, "state.json") == b'{"a": 1}'
    assert _read(folder, "missing.json") is None


def test_a_file_written_only_if_absent_keeps_the_one_already_there(tmp_path: Path) -> None:
    _written(tmp_path, "key", b"first")
    with pytest.raises(FileExistsError):
        _written(tmp_path, "key", b"second", replace=False)
    assert _read(tmp_path, "key") == b"first"
    assert os.listdir(tmp_path) == ["key"]


def test_a_missing_folder_is_not_created_when_only_reading(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_folder(tmp_path / "nowhere", Untrusted, create=False)
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_others_can_write_to_is_refused_with_the_callers_error(
        tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(Untrusted, match="its mode 777 lets others change it"):
        open_folder(folder, Untrusted)


def test_a_folder_that_is_a_symlink_or_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(target)
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(Untrusted, match="symlink or not a directory"):
        open_folder(tmp_path / "link", Untrusted)
    with pytest.raises(Untrusted, match="not a directory"):
        open_folder(tmp_path / "file", Untrusted)


def test_a_symlinked_fifo_or_open_file_in_the_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "private"
    _written(folder, "real", b"data")
    (folder / "link").symlink_to(folder / "real")
    os.mkfifo(folder / "fifo", 0o600)
    (folder / "real").chmod(0o666)
    with pytest.raises(Untrusted, match="cannot be opened"):
        _read(folder, "link")
    with pytest.raises(Untrusted, match="not a regular file"):
        _read(folder, "fifo")
    with pytest.raises(Untrusted, match="lets others change it"):
        _read(folder, "real")


def test_a_secret_others_can_read_is_refused_where_reading_is_forbidden(
        tmp_path: Path) -> None:
    _written(tmp_path, "key", b"secret")
    (tmp_path / "key").chmod(0o640)
    assert _read(tmp_path, "key") == b"secret"
    with pytest.raises(Untrusted, match="its mode 640 lets others read it"):
        _read(tmp_path, "key", OPEN_TO_OTHERS)
