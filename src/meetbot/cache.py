"""An on-disk cache of the built engine, keyed by the content of the knowledge files.

Loading a large knowledge base (parsing YAML, validating, verifying every quote, building the
indexes) takes seconds; unpickling the result takes a fraction of that. The cache key is a
hash of every knowledge file, source text and message catalogue (:func:`fingerprint`)
together with the code that built it, so *any* edit — or a new version of meetbot — misses
the cache and the knowledge base is loaded and verified afresh. Only knowledge bases that
loaded without errors, from files that stayed the same while they were read, are ever cached:
an engine built from a file caught half-written is never stored under the finished file's key.

The cache lives in ``$MEETBOT_CACHE`` (``off`` disables it), else ``$XDG_CACHE_HOME/meetbot``
or ``~/.cache/meetbot``. It is the user's own directory: pickles are only read from there.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import logging
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from . import __version__
from .engine import Engine
from .errors import KnowledgeChanged, KnowledgeError
from .knowledge import fingerprint, gc_paused, load

logger = logging.getLogger(__name__)
KEEP = 4
"""How many cached engines to keep (the newest); older ones are removed."""


def cache_dir() -> Path | None:
    """Where cached engines live, or None when caching is switched off."""
    configured = os.environ.get("MEETBOT_CACHE", "").strip()
    if configured.lower() in ("off", "0", "none", "no"):
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meetbot"


BUILT_WITH = ("babel", "Stemmer", "anyascii")
"""Libraries whose output is stored in an engine (formatted dates, plural rules, stems,
transliterations): another installed version builds a new engine."""


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """A hash of the code that builds engines: a new version never reads an old pickle."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{__version__} {sys.version}".encode())
    package = Path(__file__).resolve().parent
    paths = sorted([*package.glob("*.py"), *package.glob("locales/*.yaml")])
    for name in BUILT_WITH:  # located, not imported: that is the cost the cache saves
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            paths.append(Path(spec.origin))
    for path in paths:
        stat = path.stat()
        digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def cache_path(directory: Path, stamp: str | None = None) -> Path | None:
    """The cache file for the knowledge base in ``directory`` as its files are now."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"engine-{stamp or fingerprint(directory)}-{code_stamp()}.pickle"


def load_engine(directory: Path, stamp: str | None = None) -> Engine:
    """The engine for ``directory``: from the cache when its files are unchanged.

    Raises :class:`~meetbot.errors.KnowledgeError` like :func:`~meetbot.knowledge.load`.
    ``stamp`` is the :func:`~meetbot.knowledge.fingerprint` the caller took of the files (taken
    here when omitted). When the files are not the same after loading as they were then (an
    edit saved, a file created or removed while they were read), what was read may be half of
    one state and half of another: the load is discarded, broken or not, with
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
    path = cache_path(directory, stamp)
    if path is not None:
        engine = _read(path)
        if engine is not None:
            logger.debug("engine loaded from cache %s", path)
            return engine
    try:
        kb = load(directory)
    except KnowledgeError:
        if fingerprint(directory) != stamp:
            raise KnowledgeChanged from None
        raise
    if kb.fingerprint != stamp or fingerprint(directory) != stamp:
        raise KnowledgeChanged
    engine = Engine(kb)
    if path is not None:
        _write(path, engine)
    return engine


def _read(path: Path) -> Engine | None:
    try:
        with path.open("rb") as handle, gc_paused():
            engine = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a stale or damaged cache is only a miss
        logger.warning("ignoring unreadable cache file %s (%s)", path.name, exc)
        return None
    return engine if isinstance(engine, Engine) else None


def _write(path: Path, engine: Engine) -> None:
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".engine-", suffix=".tmp",
                                         delete=False) as handle:
            temporary = Path(handle.name)
            pickle.dump(engine, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # atomic: readers see the old file or the whole new one
        temporary = None
        cached = sorted(path.parent.glob("engine-*.pickle"),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in cached[KEEP:]:
            stale.unlink(missing_ok=True)
    except Exception as exc:  # caching is an optimisation: never fail a load over it
        logger.warning("could not write the engine cache (%s)", exc)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
