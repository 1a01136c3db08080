"""An on-disk cache of the built engine, keyed by the content of the knowledge files.

Loading a large knowledge base (parsing YAML, validating, verifying every quote, building the
indexes) takes seconds; unpickling the result takes a fraction of that. The cache key is a
hash of every knowledge file, source text and message catalogue (:func:`fingerprint`)
together with the code that built it, so *any* edit — or a new version of meetbot — misses
the cache and the knowledge base is loaded and verified afresh. Only knowledge bases that
loaded without errors are ever cached.

The cache lives in ``$MEETBOT_CACHE`` (``off`` disables it), else ``$XDG_CACHE_HOME/meetbot``
or ``~/.cache/meetbot``, and is used only on POSIX systems. Unpickling runs code, so nothing
is unpickled that this cache did not write itself for the knowledge files being loaded:

* the folder is created private (mode 0700) and used only while it is a real directory (not
  a symlink) owned by this user that neither group nor others can write to; otherwise the
  engine is built and nothing is read or written there (one warning);
* it holds a random secret key (``key``, mode 0600, created once, never replaced); each
  cache file is ``HMAC-SHA256(key, body) + body``, whose body starts with the knowledge
  fingerprint and code stamp it was built for, then the pickle;
* a cache file is opened without following symlinks or blocking (a FIFO is refused, not
  waited on) and must be a regular file of this user's that no one else can write to; its
  MAC is checked before anything is unpickled, then what it was built for. A refused file
  is logged once (by name) and rebuilt: a planted pickle, or an engine copied from another
  knowledge base under this one's name, is never served.

The folder and its files are handled by :mod:`meetbot.private_folder`: every look-up goes
through the folder's open descriptor (``dir_fd``), so the folder checked is the folder used.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import importlib.util
import logging
import os
import pickle
import stat
import sys
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from meetbot import __version__
from meetbot.answers.engine import Engine
from meetbot.environment import environment
from meetbot.errors import KnowledgeChanged, KnowledgeError, MeetbotError
from meetbot.private_folder import OPEN_TO_OTHERS, open_file, open_folder, write_file
from meetbot.store import load
from meetbot.store.directory import fingerprint, gc_paused

logger = logging.getLogger(__name__)
KEEP = 4
"""How many cached engines to keep (the newest); older ones are removed."""
KEY_NAME = "key"
"""The cache folder's secret key file."""
KEY_BYTES = 32
MAC_BYTES = hashlib.sha256().digest_size
MAGIC = b"meetbot engine cache 1\n"
"""The start of every cache file's authenticated body (its format version)."""


class UnsafeCacheFolder(MeetbotError):
    """The cache folder is not a directory of this user's that no one else can write to."""


class RefusedCacheFile(MeetbotError):
    """The cache file is not an engine this cache wrote for these knowledge files."""


def cache_dir() -> Path | None:
    """Where cached engines live, or None when caching is switched off (or not POSIX)."""
    if os.name != "posix":
        return None
    return environment().cache_dir()


BUILT_WITH = ("babel", "Stemmer", "anyascii")
"""Libraries whose output is stored in an engine (formatted dates, plural rules, stems,
transliterations): another installed version builds a new engine."""


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """A hash of the code that builds engines: a new version never reads an old pickle."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{__version__} {sys.version}".encode())
    package = Path(__file__).resolve().parents[1]
    paths = sorted([*package.rglob("*.py"), *package.rglob("locales/*.yaml")])
    for name in BUILT_WITH:  # located, not imported: that is the cost the cache saves
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            paths.append(Path(spec.origin))
    for path in paths:
        info = path.stat()
        digest.update(f"{path} {info.st_size} {info.st_mtime_ns}".encode())
    return digest.hexdigest()


def _file_name(stamp: str) -> str:
    return f"engine-{stamp}-{code_stamp()}.pickle"


def cache_path(directory: Path, stamp: str | None = None) -> Path | None:
    """The cache file for the knowledge base in ``directory`` as its files are now."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / _file_name(stamp or fingerprint(directory))


def load_engine(directory: Path, stamp: str | None = None) -> Engine:
    """The engine for ``directory``: from the cache when its files are unchanged.

    Raises :class:`~meetbot.errors.KnowledgeError` like :func:`~meetbot.store.load`.
    ``stamp`` is the :func:`~meetbot.store.directory.fingerprint` the caller took of the files
    (taken here when omitted). When the files are not the same after loading as they were
    then (an edit saved, a file created or removed while they were read), what was read may be
    half of one state and half of another: the load is discarded, broken or not, with
    :class:`~meetbot.errors.KnowledgeChanged`, and nothing is cached.

    The engine's objects are then frozen out of the cyclic garbage collector
    (:func:`gc.freeze`): they live until the next reload, and a full collection would
    otherwise walk all of them in the middle of answering someone (the slowest answers of a
    large knowledge base). An engine holds no reference cycle, so a replaced one is still
    freed by reference counting.
    """
    gc.unfreeze()  # what the last freeze kept out of reach is collectable again
    engine = _engine(directory, stamp or fingerprint(directory))
    gc.freeze()
    return engine


def _engine(directory: Path, stamp: str) -> Engine:
    folder = cache_dir()
    if folder is None:
        return _built(directory, stamp)
    name = _file_name(stamp)
    try:
        engine = _read(folder, name, stamp)
    except UnsafeCacheFolder as exc:
        _refuse_folder(folder, exc)
        return _built(directory, stamp)
    if engine is not None:
        logger.debug("engine loaded from cache %s", folder / name)
        return engine
    engine = _built(directory, stamp)
    _write(folder, name, stamp, engine)
    return engine


def _built(directory: Path, stamp: str) -> Engine:
    """The engine built from the files, which must still be as ``stamp`` says."""
    try:
        kb = load(directory)
    except KnowledgeError:
        if fingerprint(directory) != stamp:
            raise KnowledgeChanged from None
        raise
    if kb.fingerprint != stamp or fingerprint(directory) != stamp:
        raise KnowledgeChanged
    return Engine(kb)


def _refuse_folder(folder: Path, exc: UnsafeCacheFolder) -> None:
    logger.warning("not using the engine cache in %s: %s", folder, exc)


def _key(folder: int) -> bytes | None:
    """The folder's secret key (None: there is none yet)."""
    try:
        handle = open_file(folder, KEY_NAME, UnsafeCacheFolder, forbidden=OPEN_TO_OTHERS)
    except UnsafeCacheFolder as exc:
        raise UnsafeCacheFolder(f"its key cannot be trusted: {exc}") from None
    if handle is None:
        return None
    with handle:
        key = handle.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise UnsafeCacheFolder("its key is damaged")
    return key


def _new_key(folder: int) -> bytes:
    """Create the folder's key: written in full to a new private file, then linked under
    its name, which fails if another process made one first (then that one is used)."""
    key = os.urandom(KEY_BYTES)
    try:
        write_file(folder, KEY_NAME, lambda handle: handle.write(key), replace=False)
    except FileExistsError:
        found = _key(folder)
        if found is None:
            raise
        return found
    return key


def _header(stamp: str) -> bytes:
    return MAGIC + f"{stamp} {code_stamp()}\n".encode("ascii")


def _read(folder: Path, name: str, stamp: str) -> Engine | None:
    """The cached engine ``name`` built for ``stamp``, or None (a miss, or a refused file).

    Raises :class:`UnsafeCacheFolder` when the folder or its key cannot be trusted."""
    try:
        fd = open_folder(folder, UnsafeCacheFolder, create=False)
    except FileNotFoundError:
        return None
    try:
        key = _key(fd)
        try:
            return _unseal(fd, name, key, stamp)
        except RefusedCacheFile as exc:
            logger.warning("ignoring engine cache file %s: %s", name, exc)
            return None
    finally:
        os.close(fd)


def _unseal(folder: int, name: str, key: bytes | None, stamp: str) -> Engine | None:
    """The engine in the file ``name`` (None: there is no such file), checked in this order:
    a regular private file, its MAC, what it was built for; only then unpickled."""
    handle = open_file(folder, name, RefusedCacheFile)
    if handle is None:
        return None
    with handle:
        if key is None:
            raise RefusedCacheFile("there is no key to authenticate it with")
        data = handle.read()
    view = memoryview(data)
    body = view[MAC_BYTES:]
    if not hmac.compare_digest(view[:MAC_BYTES], hmac.digest(key, body, "sha256")):
        raise RefusedCacheFile("its MAC does not match: this cache did not write it")
    header = _header(stamp)
    if body[:len(header)] != header:
        raise RefusedCacheFile("it was built for other knowledge files or another version")
    try:
        with gc_paused():
            engine = pickle.loads(body[len(header):])
    except Exception as exc:  # written by this cache, yet it does not load: rebuild it
        raise RefusedCacheFile(f"it does not unpickle ({type(exc).__name__})") from None
    if not isinstance(engine, Engine) or engine.kb.fingerprint != stamp:
        raise RefusedCacheFile("it holds no engine for these knowledge files")
    return engine


class _Sealing:
    """A file that keeps the MAC of everything written through it."""

    def __init__(self, handle: BinaryIO, key: bytes) -> None:
        self.handle = handle
        self.mac = hmac.new(key, digestmod="sha256")

    def write(self, data: bytes) -> int:
        """Write ``data`` and add it to the MAC."""
        self.mac.update(data)
        return self.handle.write(data)


def _write(folder: Path, name: str, stamp: str, engine: Engine) -> None:
    """Write the engine as ``name`` atomically (temporary file, then rename), and remove
    all but the newest :data:`KEEP` engines. A failure is logged, never raised."""
    try:
        fd = open_folder(folder, UnsafeCacheFolder)
    except UnsafeCacheFolder as exc:
        _refuse_folder(folder, exc)
        return
    except OSError as exc:
        logger.warning("could not write the engine cache (%s)", exc)
        return
    try:
        key = _key(fd) or _new_key(fd)

        def sealed(handle: BinaryIO) -> None:
            handle.write(bytes(MAC_BYTES))  # the MAC's place, filled in once it is known
            sealing = _Sealing(handle, key)
            sealing.write(_header(stamp))
            pickle.dump(engine, sealing, protocol=pickle.HIGHEST_PROTOCOL)
            handle.seek(0)
            handle.write(sealing.mac.digest())

        write_file(fd, name, sealed)
        _prune(fd, keep=name)
    except UnsafeCacheFolder as exc:
        _refuse_folder(folder, exc)
    except Exception as exc:  # caching is an optimisation: never fail a load over it
        logger.warning("could not write the engine cache (%s)", exc)
    finally:
        os.close(fd)


def _prune(folder: int, keep: str) -> None:
    """Remove all but the newest :data:`KEEP` engines (``keep`` among them). Only regular
    files count; an entry that vanishes, or cannot be removed, is skipped."""
    found: list[tuple[int, str]] = []
    for name in os.listdir(folder):
        if name == keep or not (name.startswith("engine-") and name.endswith(".pickle")):
            continue
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            found.append((info.st_mtime_ns, name))
    found.sort(reverse=True)
    for _, name in found[KEEP - 1:]:
        try:
            os.unlink(name, dir_fd=folder)
        except OSError as exc:
            logger.debug("could not remove the old engine cache file %s (%s)", name, exc)
