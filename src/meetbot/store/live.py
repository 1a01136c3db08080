"""Serve the last good knowledge base, and swap in a new one when the files change.

:class:`LiveKnowledge` holds an :class:`~meetbot.answers.engine.Engine`. ``reload()`` loads the
directory again: a good edit replaces the engine atomically (one attribute assignment, so
a question in flight finishes on the old one); a broken edit leaves the old engine serving
and reports every ``file:line`` problem once per broken state. ``watch()`` starts a
background thread (watchfiles) that reloads after each edit. What it never serves is half
of an edit:

* **Settled files only.** After a change the watcher waits until the files stop changing:
  the same :func:`~meetbot.store.directory.fingerprint` twice, :data:`QUIET_SECONDS` apart. A
  saved edit is served :data:`QUIET_SECONDS` plus the load after the save: about half a
  second for the shipped knowledge base, within a second for one that loads in half that.
* **One state, read whole.** Every load compares the fingerprint after reading with the one
  before (:func:`~meetbot.cache.load_engine`). If a file changed, appeared or vanished in
  between, that load is discarded — logged at DEBUG, never reported as a broken edit, never
  served — and the files are read again once they settle.
* **No sudden shrinking.** A reload that loads fine but would lose much of what the served
  knowledge base has is *held back* (:func:`losses`): more than half of the entries of any
  section (meetings, people, sources, roles, organisations, events, FAQ, intents), or any
  intent the bot still refers to — one the engine has an answer function for, or one a
  message catalogue has a ``reply.<id>`` or ``suggest.<id>`` translation for. An editor
  writing a file in place, or a truncated copy, looks exactly like that. The last good
  engine keeps serving, a WARNING is logged and listeners hear a problem naming the file
  ("meetings.yaml: reload held back: 3 of 5 meetings would disappear …"), once. The edit is
  served when the files are still the same :data:`HOLD_SECONDS` after it was held back (the
  curator meant it), or at once by a forced reload (``reload(force=True)``, what ``/reload``
  does). Undoing the edit instead (the files back as served) clears the notice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from meetbot.answers.engine import Engine
from meetbot.errors import KnowledgeChanged, KnowledgeError, Problem
from meetbot.store.cache import load_engine
from meetbot.store.directory import fingerprint

logger = logging.getLogger(__name__)

Listener = Callable[[list[Problem] | None], None]
"""Called after each reload attempt: ``None`` on success, else the problems."""

QUIET_SECONDS = 0.3
"""The files count as settled when their fingerprint is the same this far apart."""
SETTLE_LIMIT = 5.0
"""Files that never stop changing are read anyway after this long (the read is verified)."""
LOAD_ATTEMPTS = 3
"""Loads discarded in a row (the files changing while read) before a reload gives up."""
HOLD_SECONDS = 3.0
"""How long the files must stay as they are before a shrinking reload is served anyway."""
SECTIONS = ("meetings", "people", "sources", "roles", "organizations", "events", "faq",
            "intents")
_LISTED = 5
"""How many of the ids that would disappear a held-back notice names."""


def settled(directory: Path, stop: threading.Event | None = None, *,
            quiet: float = QUIET_SECONDS, limit: float = SETTLE_LIMIT) -> str:
    """Wait until the files in ``directory`` stop changing; return their fingerprint.

    Settled means the same fingerprint twice, ``quiet`` seconds apart; after ``limit``
    seconds (or once ``stop`` is set) the latest fingerprint is returned regardless.
    """
    stamp = fingerprint(directory)
    deadline = time.monotonic() + limit
    while True:
        if stop is not None:
            if stop.wait(quiet):
                return stamp
        else:
            time.sleep(quiet)
        again = fingerprint(directory)
        if again == stamp or time.monotonic() >= deadline:
            return again
        stamp = again


def losses(served: Engine, candidate: Engine, hold: float = HOLD_SECONDS) -> list[Problem]:
    """Why ``candidate`` should not replace ``served`` at once: one problem per loss.

    A section loses more than half of its entries, or an intent the bot refers to (see the
    module docstring) disappears. Each problem names the file the lost entries were in, and
    says that they are served after ``hold`` seconds or with /reload.
    """
    old, new = served.kb, candidate.kb
    found: list[tuple[str, str, list[str]]] = []
    for section in SECTIONS:
        before: list[str] = list(getattr(old, section))
        gone = [entry_id for entry_id in before if entry_id not in getattr(new, section)]
        if gone and len(gone) * 2 > len(before):
            found.append((section, f"{len(gone)} of {len(before)} {section} would disappear",
                          gone))
    referred = served.handled_intents | {
        intent for intent in old.intents for catalog in old.catalogs.values()
        if catalog.has(f"reply.{intent}") or catalog.has(f"suggest.{intent}")}
    gone = [intent for intent in old.intents
            if intent in referred and intent not in new.intents]
    if gone and all(section != "intents" for section, _, _ in found):
        found.append(("intents", "intents the bot answers or translates would disappear",
                      gone))
    problems = []
    for section, what, ids in found:
        named = ", ".join(ids[:_LISTED]) + (", …" if len(ids) > _LISTED else "")
        problems.append(Problem(
            old.where(section, ids[0]).file, None,
            f"reload held back: {what} ({named}); served if the files stay like this for "
            f"{hold:g} s, or at once with /reload"))
    return problems


@dataclass(frozen=True)
class _Held:
    """A reload that loaded fine but shrinks the knowledge base, waiting to be confirmed."""

    stamp: str
    since: float
    engine: Engine


class _Changed:
    """The files changed while they were read: the load was discarded."""


_CHANGED = _Changed()


class LiveKnowledge:
    """The current engine, reloaded from ``directory`` on demand or on change.

    ``hold`` is the grace period of a held-back reload (:data:`HOLD_SECONDS`), measured with
    ``clock``.
    """

    def __init__(self, directory: Path, engine: Engine | None = None, *,
                 hold: float = HOLD_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.directory = directory
        self.hold = hold
        self._clock = clock
        self._stop = threading.Event()
        self.engine = engine or self._first_engine()
        self.problems: list[Problem] = []
        self._broken_stamp: str | None = None
        self._held: _Held | None = None
        self._stamp = self.engine.kb.fingerprint
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None
        self._warm_up = True

    def _first_engine(self) -> Engine:
        for _ in range(LOAD_ATTEMPTS - 1):
            try:
                return load_engine(self.directory)
            except KnowledgeChanged:
                logger.debug("knowledge files changed while they were read; reading them "
                             "again once they settle")
                settled(self.directory)
        return load_engine(self.directory)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after every reload attempt that found a change."""
        self._listeners.append(listener)

    def reload(self, *, force: bool = False) -> list[Problem] | None:
        """Reload if the files changed (or ``force``); return the problems, or None if good.

        The problems are those of a broken edit, or why a reload is held back (see the module
        docstring); ``force`` serves a held-back reload at once. A load the files changed
        during is read again once they settle.
        """
        return self._reload(force=force, settle=False)

    def _reload(self, *, force: bool, settle: bool) -> list[Problem] | None:
        for _ in range(LOAD_ATTEMPTS):
            if settle and not self._known(fingerprint(self.directory)):
                settled(self.directory, self._stop)
            with self._lock:
                outcome = self._attempt(force)
            if not isinstance(outcome, _Changed):
                return outcome
            logger.debug("knowledge files changed while they were read; reading them again "
                         "once they settle")
            settle = True
        logger.info("knowledge files keep changing; they are loaded once they settle")
        if force:
            return [Problem(str(self.directory), None, "the knowledge files kept changing "
                            "while they were read, so nothing was reloaded; reload again "
                            "once they are saved")]
        return self.problems or None

    def _known(self, stamp: str) -> bool:
        """True when the files are in a state already served, reported or held back."""
        held = self._held
        return stamp in (self._stamp, self._broken_stamp) or (
            held is not None and stamp == held.stamp)

    def _attempt(self, force: bool) -> list[Problem] | _Changed | None:
        stamp = fingerprint(self.directory)
        if not force and stamp == self._stamp:
            if self.problems:
                # The broken or held-back edit was undone: the served base is current again.
                self._clear()
                logger.info("knowledge files are back to the served version")
                self._notify(None)
            return None
        if not force and stamp == self._broken_stamp:
            return self.problems
        held = self._held
        if not force and held is not None and stamp == held.stamp:
            if self._clock() - held.since < self.hold:
                return self.problems
            logger.info("serving the held-back reload: the files stayed the same for %.1f s",
                        self.hold)
            self._serve(held.engine, stamp)
            return None
        try:
            engine = load_engine(self.directory, stamp)
        except KnowledgeChanged:
            return _CHANGED
        except KnowledgeError as exc:
            self.problems = exc.problems
            self._held = None
            first_report = stamp != self._broken_stamp
            self._broken_stamp = stamp
            if first_report or force:
                logger.error("knowledge edit rejected; still serving the last good "
                             "knowledge base:\n%s", exc)
                self._notify(exc.problems)
            return exc.problems
        lost = [] if force else losses(self.engine, engine, self.hold)
        if lost:
            self.problems = lost
            self._broken_stamp = None
            self._held = _Held(stamp, self._clock(), engine)
            logger.warning("knowledge reload held back; still serving the last good knowledge "
                           "base:\n%s", "\n".join(str(p) for p in lost))
            self._notify(lost)
            return lost
        self._serve(engine, stamp)
        return None

    def _serve(self, engine: Engine, stamp: str) -> None:
        if self._thread is not None and self._warm_up:
            _warm(engine)
        self.engine = engine
        self._stamp = stamp
        self._clear()
        logger.info("knowledge base reloaded (%d meetings)", len(engine.kb.meetings))
        self._notify(None)

    def _clear(self) -> None:
        self.problems = []
        self._broken_stamp = None
        self._held = None

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
        self._reload_safely()  # an edit saved before the watcher started is not missed
        started = False
        try:
            for changes in watch(self.directory, stop_event=self._stop, debounce=200,
                                 step=10, rust_timeout=1000, yield_on_timeout=True,
                                 raise_interrupt=False):
                if changes or not started or self._hold_over():
                    # The first quiet second proves the watcher is running: check once more
                    # for an edit saved while it was starting. Quiet seconds also serve a
                    # held-back reload whose grace period has passed.
                    started = True
                    self._reload_safely()
        except Exception:
            logger.exception("knowledge watcher stopped; falling back to polling")
            while not self._stop.wait(1.0):
                self._reload_safely()

    def _hold_over(self) -> bool:
        held = self._held
        return held is not None and self._clock() - held.since >= self.hold

    def _reload_safely(self) -> None:
        """Reload for the watcher: nothing may stop it (the bot keeps serving regardless)."""
        try:
            self._reload(force=False, settle=True)
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
