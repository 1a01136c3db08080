"""The engine cache uses only what it wrote itself, for these knowledge files, in a private
folder: planted, copied or odd files are refused and the engine is built afresh."""

from __future__ import annotations

import logging
import os
import pickle
import stat
import threading
from pathlib import Path

import pytest

import meetbot.store.cache as cache
from kbfactory import REAL_KNOWLEDGE, SOURCE_FILE
from meetbot.answers.engine import Engine
from meetbot.store.cache import KEEP, cache_path, load_engine
from meetbot.store.directory import fingerprint

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the engine cache is POSIX-only")

QUESTION = "who will fund the new monitoring stations"
"""Answered by the small knowledge base only."""


class Planted:
    """A pickle that, once unpickled, creates ``marker`` (as a command could run)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.marker),)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache folder (``MEETBOT_CACHE``), not created yet."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MEETBOT_CACHE", str(folder))
    return folder


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every full (uncached) load."""
    calls: list[Path] = []
    real = cache.load

    def counting(directory: Path) -> object:
        calls.append(directory)
        return real(directory)

    monkeypatch.setattr(cache, "load", counting)
    return calls


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.levelno >= logging.WARNING]


def _path(directory: Path) -> Path:
    path = cache_path(directory)
    assert path is not None
    return path


def _edit(directory: Path) -> None:
    source = directory / SOURCE_FILE
    source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")


def test_a_pickle_planted_under_the_cache_files_name_is_never_unpickled(
        folder: Path, small_kb: Path, tmp_path: Path, loads: list[Path],
        caplog: pytest.LogCaptureFixture) -> None:
    load_engine(small_kb)  # a genuine entry, and the folder's key
    path = _path(small_kb)
    marker = tmp_path / "planted-code-ran"
    planted = pickle.dumps(Planted(marker))
    path.write_bytes(planted)
    with caplog.at_level(logging.WARNING, logger="meetbot.store.cache"):
        engine = load_engine(small_kb)
    assert "Okonkwo" in engine.ask(QUESTION).text
    assert not marker.exists()
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and path.name in warnings[0]
    assert path.read_bytes() != planted
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="meetbot.store.cache"):
        assert "Okonkwo" in load_engine(small_kb).ask(QUESTION).text
    assert len(loads) == 2 and not _warnings(caplog)  # the rewritten entry is served


def test_a_cache_folder_others_can_write_to_is_neither_read_nor_written(
        folder: Path, small_kb: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    folder.mkdir()
    folder.chmod(0o777)
    path = _path(small_kb)
    marker = tmp_path / "planted-code-ran"
    planted = pickle.dumps(Planted(marker))
    path.write_bytes(planted)
    with caplog.at_level(logging.WARNING, logger="meetbot.store.cache"):
        engine = load_engine(small_kb)
    assert "Okonkwo" in engine.ask(QUESTION).text
    assert not marker.exists()
    assert os.listdir(folder) == [path.name] and path.read_bytes() == planted
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and str(folder) in warnings[0]


def test_a_cache_folder_that_is_a_symlink_is_not_used(
        tmp_path: Path, small_kb: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = tmp_path / "cache"
    link.symlink_to(target)
    monkeypatch.setenv("MEETBOT_CACHE", str(link))
    with caplog.at_level(logging.WARNING, logger="meetbot.store.cache"):
        assert "Okonkwo" in load_engine(small_kb).ask(QUESTION).text
    assert os.listdir(target) == []
    assert len(_warnings(caplog)) == 1


def test_the_cache_folder_and_its_key_are_private_to_the_user(folder: Path,
                                                             small_kb: Path) -> None:
    load_engine(small_kb)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / cache.KEY_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(_path(small_kb).stat().st_mode) & 0o077 == 0


def test_an_engine_copied_from_another_knowledge_base_is_refused(
        folder: Path, small_kb: Path, loads: list[Path],
        caplog: pytest.LogCaptureFixture) -> None:
    load_engine(REAL_KNOWLEDGE)  # knowledge base A, cached
    copied = _path(REAL_KNOWLEDGE).read_bytes()
    load_engine(small_kb)
    _path(small_kb).write_bytes(copied)  # A's engine under the name of B's
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="meetbot.store.cache"):
        engine = load_engine(small_kb)
    assert engine.kb.fingerprint == fingerprint(small_kb)
    assert "Okonkwo" in engine.ask(QUESTION).text
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and _path(small_kb).name in warnings[0]
    assert len(loads) == 3  # B built afresh, and its own engine cached again
    assert isinstance(load_engine(small_kb), Engine) and len(loads) == 3


def test_a_fifo_at_the_cache_files_name_does_not_hang_loading(folder: Path,
                                                              small_kb: Path) -> None:
    load_engine(small_kb)
    path = _path(small_kb)
    path.unlink()
    os.mkfifo(path)
    loaded: list[Engine] = []
    thread = threading.Thread(target=lambda: loaded.append(load_engine(small_kb)),
                              daemon=True)
    thread.start()
    thread.join(timeout=10)
    hung = thread.is_alive()
    if hung:  # release the blocked reader before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
    assert not hung, "loading hangs on a FIFO at the cache file's name"
    assert "Okonkwo" in loaded[0].ask(QUESTION).text
    assert stat.S_ISREG(path.lstat().st_mode)  # replaced by a genuine entry


def test_a_dangling_symlink_in_the_cache_folder_stops_neither_writes_nor_clean_up(
        folder: Path, small_kb: Path, loads: list[Path],
        caplog: pytest.LogCaptureFixture) -> None:
    load_engine(small_kb)
    (folder / "engine-gone-0.pickle").symlink_to(folder / "nowhere")
    for age in range(KEEP + 2):
        old = folder / f"engine-old{age}-0.pickle"
        old.write_bytes(b"an engine from long ago")
        os.utime(old, (1_000_000 + age, 1_000_000 + age))
    with caplog.at_level(logging.WARNING, logger="meetbot.store.cache"):
        _edit(small_kb)
        load_engine(small_kb)
        _edit(small_kb)
        load_engine(small_kb)
        assert "Okonkwo" in load_engine(small_kb).ask(QUESTION).text
    assert not _warnings(caplog)
    assert len(loads) == 3  # the last load came from the cache
    engines = [p.name for p in folder.glob("engine-*.pickle") if not p.is_symlink()]
    assert len(engines) == KEEP and _path(small_kb).name in engines
    assert "engine-old0-0.pickle" not in engines

