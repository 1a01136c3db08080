"""Serve the last good knowledge base, and swap in a new one when the files change.

:class:`LiveKnowledge` holds an :class:`~meetbot.answers.engine.Engine`. ``reload()`` loads the
directory again: a good edit replaces the engine atomically (one attribute assignment, so
a question in flight finishes on the old one); a broken edit leaves the old engine serving
and reports every ``file:line`` problem once per broken state. ``watch()`` starts a
background thread (watchfiles) that reloads within about a second of an edit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from meetbot.answers.engine import Engine
from meetbot.errors import KnowledgeError, Problem
from meetbot.store.cache import load_engine
from meetbot.store.files import fingerprint

logger = logging.getLogger(__name__)

Listener = Callable[[list[Problem] | None], None]
"""Called after each reload attempt: ``None`` on success, else the problems."""


class LiveKnowledge:
    """The current engine, reloaded from ``directory`` on demand or on change."""

    def __init__(self, directory: Path, engine: Engine | None = None) -> None:
        self.directory = directory
        self.engine = engine or load_engine(directory)
        self.problems: list[Problem] = []
        self._broken_stamp: str | None = None
        self._stamp = self.engine.kb.fingerprint
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warm_up = True

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after every reload attempt that found a change."""
        self._listeners.append(listener)

    def reload(self, *, force: bool = False) -> list[Problem] | None:
        """Reload if the files changed (or ``force``); return the problems, or None if good."""
        with self._lock:
            stamp = fingerprint(self.directory)
            if not force and stamp == self._stamp and self.problems:
                # The broken edit was undone: the served knowledge base is current again.
                self.problems = []
                self._broken_stamp = None
                logger.info("knowledge files are back to the served version")
                self._notify(None)
                return None
            if not force and stamp in (self._stamp, self._broken_stamp):
                return self.problems or None
            try:
                engine = load_engine(self.directory)
            except KnowledgeError as exc:
                self.problems = exc.problems
                first_report = stamp != self._broken_stamp
                self._broken_stamp = stamp
                if first_report or force:
                    logger.error("knowledge edit rejected; still serving the last good "
                                 "knowledge base:\n%s", exc)
                    self._notify(exc.problems)
                return exc.problems
            if self._thread is not None and self._warm_up:
                _warm(engine)
            self.engine = engine
            self._stamp = stamp
            self._broken_stamp = None
            self.problems = []
            logger.info("knowledge base reloaded (%d meetings)", len(engine.kb.meetings))
            self._notify(None)
            return None

    def _notify(self, problems: list[Problem] | None) -> None:
        for listener in self._listeners:
            try:
                listener(problems)
            except Exception:
                logger.exception("reload listener failed")

    def watch(self, *, warm: bool = True, after: float = 0.0) -> None:
        """Start reloading in the background whenever the knowledge files change.

        With ``warm`` (the interactive modes), the engine is first prepared for fast first
        answers (:meth:`~meetbot.answers.engine.Engine.warm_up`), and so is every reloaded one.
        Watching begins ``after`` seconds from now; an edit saved in the meantime is still
        picked up, as the watcher first compares the files with the served ones. A batch
        reading questions that are already waiting passes ``warm=False`` and a short
        ``after``: it answers at once, and warming up or loading the watcher beside it
        would only compete for the interpreter (a batch over sooner never loads it).
        """
        if self._thread is not None:
            return
        self._warm_up = warm
        self._thread = threading.Thread(target=self._watch, args=(after,),
                                        name="knowledge-watch", daemon=True)
        self._thread.start()

    def _watch(self, after: float) -> None:
        if after and self._stop.wait(after):
            return
        from watchfiles import watch

        if self._warm_up:
            _warm(self.engine)
        self.reload()  # an edit saved before the watcher started is not missed
        started = False
        try:
            for changes in watch(self.directory, stop_event=self._stop, debounce=200,
                                 step=10, rust_timeout=1000, yield_on_timeout=True,
                                 raise_interrupt=False):
                if changes or not started:
                    # The first quiet second proves the watcher is running: check once more
                    # for an edit saved while it was starting.
                    started = True
                    self._reload_safely()
        except Exception:
            logger.exception("knowledge watcher stopped; falling back to polling")
            while not self._stop.wait(1.0):
                self._reload_safely()

    def _reload_safely(self) -> None:
        """Reload for the watcher: nothing may stop it (the bot keeps serving regardless)."""
        try:
            self.reload()
        except Exception:
            logger.exception("reloading the knowledge base failed; still serving the last "
                             "good one")

    def stop(self) -> None:
        """Stop the background watcher."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
            self._thread = None


def _warm(engine: Engine) -> None:
    try:
        engine.warm_up()
    except Exception:  # only a head start: the answers themselves will report any problem
        logger.exception("preparing the knowledge base for first answers failed")
