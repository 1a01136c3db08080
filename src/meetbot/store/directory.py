"""Where the knowledge files are, how problems name them, and a fingerprint of their content
(for caches and reloads)."""

from __future__ import annotations

import gc
import hashlib
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from meetbot.environment import environment
from meetbot.files import MAX_FILE_BYTES, FileRefused, FileTooLarge, kind_of, read_regular

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "knowledge"


def default_knowledge_dir() -> Path:
    """Return ``$MEETBOT_KNOWLEDGE`` or the project's ``knowledge/`` directory."""
    configured = environment().knowledge
    return Path(configured) if configured else DEFAULT_DIR


def knowledge_files(directory: Path) -> list[Path]:
    """Return the YAML files served from ``directory``, in a stable order."""
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and
                  p.is_file())


def special_files(directory: Path) -> list[tuple[Path, str]]:
    """``*.yaml`` entries of ``directory`` that are neither files nor directories (a FIFO,
    a device, a socket), each with what it is; :func:`knowledge_files` leaves them out, so
    they are never opened."""
    found = []
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            found.append((path, kind_of(mode)))
    return found


def display_name(path: Path, root: Path) -> str:
    """How a problem names the file ``path``: relative to the working directory if inside it,
    else in full (``root``, the knowledge directory, does not change it)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def fingerprint(directory: Path) -> str:
    """Return a hash of every knowledge file and source text (for caches and reloads)."""
    digest = hashlib.blake2b(digest_size=16)
    if not directory.is_dir():
        return "missing"
    paths = knowledge_files(directory)
    for sub in ("sources", "messages"):
        folder = directory / sub
        if folder.is_dir():
            paths += sorted(p for p in folder.iterdir() if p.is_file())
    for path in paths:
        digest.update(str(path.relative_to(directory)).encode())
        try:
            digest.update(read_regular(path, MAX_FILE_BYTES))
        except FileTooLarge:  # refused by the loader anyway; a change of size or time counts
            info = path.stat()
            digest.update(f"<too large: {info.st_size} {info.st_mtime_ns}>".encode())
        except (OSError, FileRefused):
            digest.update(b"<unreadable>")
    return digest.hexdigest()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building long-lived structures.

    Loading creates hundreds of thousands of objects that all stay alive; the collector
    would otherwise rescan them again and again (most of the load time of a large base).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
