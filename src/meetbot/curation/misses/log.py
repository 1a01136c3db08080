"""Missed questions: a privacy-preserving log of declines and "did you mean", and a report.

:class:`MissLog` appends one JSON line per declined or low-confidence answer
(``kind`` ``decline`` or ``clarify``) to ``misses.jsonl``::

    {"ts": "2026-03-14T09:30:00Z", "question": "who funds the osce", "kind": "decline",
     "confidence": 0.31, "nearest": "org_info", "nearest_example": "what is the {org}",
     "nearest_score": 0.58, "suggestions": [], "chat": "3f9c0d1e2a4b5c6d"}

What is stored: the time (to the second), the question as asked, at most 500 characters,
with private data redacted (below), how it was answered (kind, confidence, the knowledge
base's nearest phrasing and the suggestions offered, all from the knowledge base) and
``chat``. No user names or ids are written: ``chat`` is a keyed (salted) BLAKE2b hash of the
chat id, enough to tell "one person asked ten times" from "ten people asked", and nothing
more. The salt comes from ``$MEETBOT_MISSES_SALT`` or a random salt kept next to the log
(mode 0600).

What is redacted (:func:`meetbot.privacy.redact`, before anything is written): e-mail
addresses become ``[email]``, phone numbers ``[phone]``, and passwords (the word after
"password", "пароль" ...), bot tokens, API keys and long hex or base64 secrets ``[secret]``;
the rest of the question is kept as asked, so the questions still group in the report.

How long it is kept: the log is rotated when the next line would take it past ``max_bytes``
(5 MB) to ``misses.jsonl.1`` ... ``.N`` (3 backups), the oldest file deleted, so at most
``max_bytes x (backups + 1)`` = 20 MB of the newest misses are kept on disk: about the last
70,000 (a line takes about 300 bytes). Nothing is deleted by age.

Several processes (the bot, consoles) may write one log at once: "check the size, rotate,
append" runs under a cross-process lock (``filelock``'s ``flock``, on a hidden
``.misses.jsonl.lock`` next to the log), the size is checked under the lock, and the log is
opened afresh for every line, so no line is lost or split and every rotated file is full.
Writing never raises: an I/O error, or the lock not had within :data:`LOCK_TIMEOUT` seconds,
is logged as a warning (once) and the answer is served as usual.

:func:`report` (``meetbot misses``) reads the log and its rotated files, groups similar
questions (rapidfuzz, after :func:`meetbot.lang.normalize.normalize`), and prints for each group,
biggest first, ready-to-paste YAML: a new phrasing for the intent or FAQ entry the questions
nearly matched, or a new FAQ skeleton when nothing was close.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from filelock import lock_descriptor, unlock_descriptor
from rapidfuzz import fuzz, process

from meetbot.domain.answer import Answer
from meetbot.errors import KnowledgeError
from meetbot.lang.normalize import MAX_QUESTION_CHARS, clean, normalize
from meetbot.privacy import redact

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[3]
RECORDED_KINDS = frozenset({"decline", "clarify"})
"""Answer kinds that are logged as misses."""
SIMILARITY = 75.0
"""rapidfuzz token-set similarity (0-100) at or above which two misses are grouped."""
NEAR_SCORE = 0.6
"""A group "nearly matched" an entry when its median question's best phrasing scored this."""
_OFF = ("off", "none", "0")
LOCK_TIMEOUT = 2.0
"""Seconds a writer waits for another process's write or rotation before it gives up."""
_LOCK_POLL = 0.001
"""Seconds between attempts at the lock while another process holds it."""
MAX_WORDINGS = 5000
"""Distinct wordings grouped at most; rarer ones are counted together, ungrouped."""
NOT_ENTRIES = frozenset({"out_of_scope", "greet", "thanks", "goodbye", "help"})
"""Intents a missed question should never be added to as a phrasing."""
_FILLER_WORDS = frozenset("""
    a an the of in on at to for with by from about as and or is are was were be been do does
    did what who whom whose which when where why how that this these those it its me my you
    your i please can could would tell know s whats whos wheres whens hows whats wat wht
""".split())


def default_log_path() -> Path:
    """Return ``$MEETBOT_MISSES``, else ``$MEETBOT_DATA/misses.jsonl``, else ``data/misses.jsonl``.

    The project's ``data/`` directory is git-ignored.
    """
    env = os.environ.get("MEETBOT_MISSES", "")
    if env and env.strip().lower() not in _OFF:
        return Path(env)
    data = os.environ.get("MEETBOT_DATA")
    if data:
        return Path(data) / "misses.jsonl"
    return PROJECT_DIR / "data" / "misses.jsonl"


def miss_log_from_env() -> MissLog | None:
    """Return a :class:`MissLog` at :func:`default_log_path`, or None when logging is off.

    Set ``MEETBOT_MISSES=off`` (or ``none``/``0``) to disable the log.
    """
    if os.environ.get("MEETBOT_MISSES", "").strip().lower() in _OFF:
        return None
    return MissLog(default_log_path())


class MissLog:
    """Append-only, size-capped, thread- and process-safe JSON Lines log of missed questions."""

    def __init__(self, path: Path, *, max_bytes: int = 5_000_000, backups: int = 3,
                 salt: str | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = max(1024, max_bytes)
        self.backups = max(0, backups)
        self._salt: bytes | None = salt.encode() if salt else None
        self._lock = threading.Lock()
        self._lock_path = str(self.path.with_name(f".{self.path.name}.lock"))
        self._warned: set[str] = set()

    # -- public ------------------------------------------------------------------------
    def record(self, answer: Answer, chat: str | int | None = None) -> bool:
        """Log ``answer`` if it is a decline or a "did you mean"; return True if written.

        Never raises: on an I/O error a warning is logged and False returned.
        """
        if answer.kind not in RECORDED_KINDS:
            return False
        try:
            line = json.dumps(self._entry(answer, chat), ensure_ascii=False) + "\n"
        except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
            self._warn("encode", f"cannot encode a missed question: {exc}")
            return False
        data = line.encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._append_locked(data)
            except _LockTimeoutError:
                self._warn("lock", f"the misses log {self.path} stayed locked for "
                           f"{LOCK_TIMEOUT:g} s; a missed question was not logged")
                return False
            except OSError as exc:
                self._warn("write", f"cannot write the misses log {self.path}: {exc}")
                return False
        return True

    def chat_hash(self, chat: str | int) -> str:
        """Return the salted hash (16 hex digits) that stands for ``chat`` in the log."""
        digest = hashlib.blake2b(str(chat).encode("utf-8"), key=self._salt_bytes()[:64],
                                 digest_size=8)
        return digest.hexdigest()

    # -- internals ---------------------------------------------------------------------
    def _entry(self, answer: Answer, chat: str | int | None) -> dict[str, Any]:
        route = answer.route
        top = route.candidates[0] if route is not None and route.candidates else None
        # redacted before it is cut, so that a secret across the cut is still seen whole
        question = redact(clean(answer.question)[: 2 * MAX_QUESTION_CHARS])
        question = question[:MAX_QUESTION_CHARS]
        return {
            "ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "question": question,
            "kind": answer.kind,
            "confidence": round(float(answer.confidence), 3),
            "nearest": top.intent if top else None,
            "nearest_example": top.example if top else None,
            "nearest_score": round(float(top.score), 3) if top else None,
            "suggestions": list(answer.suggestions),
            "chat": None if chat is None else self.chat_hash(chat),
        }

    def _salt_bytes(self) -> bytes:
        if self._salt is None:
            env = os.environ.get("MEETBOT_MISSES_SALT")
            self._salt = env.encode() if env else self._persisted_salt()
        return self._salt

    def _persisted_salt(self) -> bytes:
        """Read the salt kept next to the log, creating it (mode 0600) on first use."""
        salt_path = self.path.with_name(self.path.name + ".salt")
        fresh = secrets.token_hex(32).encode()
        for _attempt in range(2):
            try:
                existing = salt_path.read_bytes().strip()
            except FileNotFoundError:
                existing = b""
            except OSError as exc:
                self._warn("salt", f"cannot read the salt {salt_path}: {exc}; chat hashes "
                           "will differ after a restart")
                return fresh
            if existing:
                return existing
            try:
                salt_path.parent.mkdir(parents=True, exist_ok=True)
                flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if salt_path.exists()
                                                    else os.O_EXCL)
                fd = os.open(salt_path, flags, 0o600)
                try:
                    os.write(fd, fresh + b"\n")
                finally:
                    os.close(fd)
                return fresh
            except FileExistsError:
                continue  # another process created it just now: read theirs
            except OSError as exc:
                self._warn("salt", f"cannot keep the salt in {salt_path}: {exc}; chat "
                           "hashes will differ after a restart")
                return fresh
        return fresh

    def _append_locked(self, data: bytes) -> None:
        """Append ``data`` holding the lock every process writing this log shares.

        The lock is ``filelock``'s primitive (``flock`` on a hidden ``.<log>.lock``, opened for
        each line so that a forked child never shares a parent's lock), taken without
        blocking and retried every :data:`_LOCK_POLL` seconds for :data:`LOCK_TIMEOUT`
        seconds. ``filelock.FileLock`` does the same with a timeout but costs some 0.2-0.3 ms a
        line in bookkeeping, several times the rest of :meth:`record`.
        """
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            while not lock_descriptor(fd, blocking=False):
                if time.monotonic() >= deadline:
                    raise _LockTimeoutError
                time.sleep(_LOCK_POLL)
            try:
                self._append(data)
            finally:
                unlock_descriptor(fd)
        finally:
            os.close(fd)

    def _append(self, data: bytes) -> None:
        """Rotate if ``data`` would not fit, then append it; only under the process lock."""
        self._rotate_if_needed(len(data))
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0 or size + incoming <= self.max_bytes:
            return
        if self.backups == 0:
            self.path.unlink(missing_ok=True)
            return
        self._backup(self.backups).unlink(missing_ok=True)
        for number in range(self.backups - 1, 0, -1):
            try:
                os.replace(self._backup(number), self._backup(number + 1))
            except FileNotFoundError:
                continue  # a gap (a backup removed by hand) is no reason to lose a miss
        os.replace(self.path, self._backup(1))

    def _backup(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{number}")

    def _warn(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logger.warning("%s", message)


class _LockTimeoutError(Exception):
    """Another process held the misses log's lock for longer than ``LOCK_TIMEOUT``."""


# -- the report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Miss:
    """One logged miss."""

    question: str
    kind: str
    nearest: str | None
    nearest_example: str | None
    nearest_score: float | None
    chat: str | None


@dataclass
class MissGroup:
    """Similar missed questions, with a YAML stub for the curator."""

    misses: list[Miss]
    key: str
    questions: list[str] = field(default_factory=list)
    """Distinct questions, most frequent first."""
    best_spelled: list[str] = field(default_factory=list)
    """The same questions, those with the fewest rare misspellings first (for stubs)."""
    nearest: str | None = None
    """The intent id or ``faq:<id>`` the group nearly matched, if any."""
    nearest_example: str | None = None
    stub: str = ""
    ungrouped: bool = False
    """True for the rare wordings beyond ``max_wordings``, counted but not grouped."""

    @property
    def count(self) -> int:
        """How many misses the group holds."""
        return len(self.misses)


def log_files(log_path: Path) -> list[Path]:
    """Return the log and its rotated files that exist, oldest first."""
    log_path = Path(log_path)
    rotated: list[tuple[int, Path]] = []
    if log_path.parent.is_dir():
        prefix = log_path.name + "."
        for candidate in log_path.parent.iterdir():
            suffix = candidate.name[len(prefix):]
            if candidate.name.startswith(prefix) and suffix.isdigit():
                rotated.append((int(suffix), candidate))
    files = [path for _, path in sorted(rotated, reverse=True)]
    if log_path.is_file():
        files.append(log_path)
    return files


def read_misses(log_path: Path) -> tuple[list[Miss], int]:
    """Read every miss from the log and its rotated files; return them and the bad-line count."""
    misses: list[Miss] = []
    bad = 0
    for path in log_files(log_path):
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if not line.strip():
                        continue
                    miss = _parse_line(line)
                    if miss is None:
                        bad += 1
                    else:
                        misses.append(miss)
        except OSError as exc:
            logger.warning("cannot read %s: %s", path, exc)
    return misses, bad


def _parse_line(line: str) -> Miss | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("question"), str):
        return None
    question = clean(data["question"])[:MAX_QUESTION_CHARS]
    if not question:
        return None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    score = data.get("nearest_score")
    return Miss(question, text("kind") or "decline", text("nearest"), text("nearest_example"),
                float(score) if isinstance(score, int | float) else None, text("chat"))


def _cluster_key(question: str) -> str:
    words = normalize(question).split()
    content = [w for w in words if w not in _FILLER_WORDS]
    return " ".join(content or words)


def _spelling_map(keys: Counter[str]) -> dict[str, str]:
    """Map rare misspellings to a more frequent word of the log ("bduget" -> "budget").

    A word of 4+ letters is replaced by the closest (``fuzz.ratio`` >= 80) word that is at
    least as frequent and occurs more than once, so typos do not split a group.
    """
    freq: Counter[str] = Counter()
    for key, count in keys.items():
        for word in set(key.split()):
            freq[word] += count
    mapping: dict[str, str] = {}
    canonical: list[str] = []
    for word in sorted(freq, key=lambda w: (-freq[w], w)):
        if len(word) < 4 or word.isdigit():
            continue
        hit = process.extractOne(word, canonical, scorer=fuzz.ratio, score_cutoff=80)
        if hit is not None:
            mapping[word] = hit[0]
        elif freq[word] > 1:
            canonical.append(word)
    return mapping


def group_misses(misses: Iterable[Miss], *, threshold: float = SIMILARITY,
                 max_wordings: int = MAX_WORDINGS) -> list[MissGroup]:
    """Group similar misses greedily, most frequent wording first; biggest group first.

    Questions are normalised (case, script, punctuation), stripped of question words and
    respelled (:func:`_spelling_map`); then each distinct wording, most frequent first, joins
    the group whose leading wording it resembles most (:func:`_similarity` >= ``threshold``,
    compared with the groups that share a word with it) or starts a new group. Beyond the
    ``max_wordings`` most frequent wordings, the rest form one group with an empty ``key``.
    """
    raw_keys = [(miss, _cluster_key(miss.question)) for miss in misses]
    spelling = _spelling_map(Counter(key for _, key in raw_keys if key))
    by_key: dict[str, list[Miss]] = {}
    for miss, raw in raw_keys:
        key = " ".join(spelling.get(word, word) for word in raw.split())
        if key:
            by_key.setdefault(key, []).append(miss)
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), k))
    leftover = keys[max_wordings:]
    keys = keys[:max_wordings]
    leaders: list[str] = []
    members: list[list[str]] = []
    postings: dict[str, list[int]] = {}
    for key in keys:
        words = set(key.split())
        candidates: set[int] = set()
        for word in words:
            candidates.update(postings.get(word, ()))
        best, best_score = -1, threshold
        for index in sorted(candidates):
            score = _similarity(key, leaders[index])
            if score > best_score or (best < 0 and score >= best_score):
                best, best_score = index, score
        if best >= 0:
            members[best].append(key)
            continue
        for word in words:
            postings.setdefault(word, []).append(len(leaders))
        leaders.append(key)
        members.append([key])
    if leftover:
        leaders.append("")
        members.append(leftover)
    groups: list[MissGroup] = []
    for leader, keys_in in zip(leaders, members, strict=True):
        group_misses_ = [miss for key in keys_in for miss in by_key[key]]
        counts = Counter(miss.question for miss in group_misses_)
        questions = [q for q, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

        def typos(question: str) -> int:
            return sum(1 for word in normalize(question).split() if word in spelling)

        spelled = sorted(questions, key=lambda q: (typos(q), -counts[q], q))
        groups.append(MissGroup(group_misses_, leader, questions, spelled,
                                ungrouped=not leader))
    groups.sort(key=lambda g: (g.ungrouped, -g.count, g.key))
    return groups


def _similarity(a: str, b: str) -> float:
    """``fuzz.token_set_ratio``, except that a one-word wording must match as a whole.

    ``token_set_ratio`` scores 100 whenever one wording's words are a subset of the other's,
    so a lone "osce" would pour every question about the OSCE into one group.
    """
    if " " not in a or " " not in b:
        return float(fuzz.ratio(a, b))
    return float(fuzz.token_set_ratio(a, b))


def report(log_path: Path, knowledge_dir: Path, top: int = 20) -> str:
    """Group the logged misses and return the report ``meetbot misses`` prints."""
    log_path = Path(log_path)
    files = log_files(log_path)
    if not files:
        return f"No misses logged yet ({log_path} does not exist)."
    misses, bad = read_misses(log_path)
    if not misses:
        note = f"; {bad} unreadable line(s) skipped" if bad else ""
        return f"No misses logged yet ({log_path} is empty{note})."
    groups = group_misses(misses)
    ungrouped = [group for group in groups if group.ungrouped]
    groups = [group for group in groups if not group.ungrouped]
    entries = _KnownEntries.load(Path(knowledge_dir))
    used_ids: set[str] = set()
    for group in groups[: max(0, top)]:
        _decide(group, entries, used_ids)
    kinds = Counter(miss.kind for miss in misses)
    chats = {miss.chat for miss in misses if miss.chat}
    shown = groups[: max(0, top)]
    head = (f"{len(misses)} missed question(s) ({kinds.get('decline', 0)} declined, "
            f"{kinds.get('clarify', 0)} \"did you mean\") from {len(chats)} chat(s), in "
            f"{len(groups)} group(s); showing the {len(shown)} biggest.")
    lines = [head, f"log: {', '.join(str(p) for p in files)}"]
    if bad:
        lines.append(f"{bad} unreadable line(s) skipped.")
    if entries.problem:
        lines.append(f"note: {entries.problem}")
    lines.append("Paste a stub into the file it names, edit it, then run `meetbot check`.")
    for number, group in enumerate(shown, start=1):
        lines.append("")
        lines.append(_group_header(number, group))
        for question in group.questions[:3]:
            times = sum(1 for miss in group.misses if miss.question == question)
            lines.append(f"    e.g. {json.dumps(question, ensure_ascii=False)}"
                         + (f"  (x{times})" if times > 1 else ""))
        if len(group.questions) > 3:
            lines.append(f"    ... and {len(group.questions) - 3} other wording(s)")
        lines.append("")
        lines.extend(group.stub.rstrip("\n").split("\n"))
    if len(groups) > len(shown):
        rest = sum(g.count for g in groups[len(shown):])
        lines.append("")
        lines.append(f"{len(groups) - len(shown)} smaller group(s) ({rest} miss(es)) not shown; "
                     "use --top to see more.")
    for group in ungrouped:
        lines.append(f"{len(group.questions)} rare wording(s) ({group.count} miss(es)) beyond "
                     f"the {MAX_WORDINGS} most frequent were not grouped.")
    return "\n".join(lines)


def _group_header(number: int, group: MissGroup) -> str:
    kinds = Counter(miss.kind for miss in group.misses)
    chats = {miss.chat for miss in group.misses if miss.chat}
    detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    if chats:
        detail += f"; {len(chats)} chat(s)"
    if group.nearest:
        match = f"nearly matched {group.nearest}"
        if group.nearest_example:
            match += f" ({json.dumps(group.nearest_example, ensure_ascii=False)})"
    else:
        match = "no close entry"
    return f"== {number}. {group.count} miss(es) [{detail}] - {match}"


@dataclass
class _KnownEntries:
    """Where the intents and FAQ entries of the knowledge base are defined."""

    intents: dict[str, str]
    faq: dict[str, str]
    problem: str | None = None

    @classmethod
    def load(cls, directory: Path) -> _KnownEntries:
        from meetbot.store import load

        try:
            kb = load(directory)
        except KnowledgeError as exc:
            return cls({}, {}, f"the knowledge base at {directory} has errors "
                       f"({len(exc.problems)}); stubs name no entries: run `meetbot check`")
        except OSError as exc:  # pragma: no cover - defensive
            return cls({}, {}, f"cannot read the knowledge base: {exc}")

        def where(kind: str, entry_id: str) -> str:
            located = kb.where(kind, entry_id)
            return located.file + (f":{located.line}" if located.line else "")

        return cls({i: where("intents", i) for i in kb.intents},
                   {f: where("faq", f) for f in kb.faq})


def _decide(group: MissGroup, entries: _KnownEntries, used_ids: set[str]) -> None:
    """Choose the entry the group nearly matched (if any) and write its stub.

    A group nearly matched an entry when at least half its misses were "did you mean" answers
    whose best candidate was that entry, or when at least half had it as best candidate and
    its phrasing scored :data:`NEAR_SCORE` or more for the median question. Otherwise the
    questions ask something the knowledge base has no entry for: a new FAQ skeleton.
    """
    votes: Counter[str] = Counter()
    clarify: Counter[str] = Counter()
    scores: dict[str, list[float]] = {}
    example: dict[str, str] = {}
    for miss in group.misses:
        if not miss.nearest or miss.nearest in NOT_ENTRIES:
            continue
        votes[miss.nearest] += 1
        if miss.kind == "clarify":
            clarify[miss.nearest] += 1
        scores.setdefault(miss.nearest, []).append(miss.nearest_score or 0.0)
        if miss.nearest_example:
            example.setdefault(miss.nearest, miss.nearest_example)
    nearest: str | None = None
    for candidate, count in votes.most_common(3):
        known = (candidate[4:] in entries.faq if candidate.startswith("faq:")
                 else candidate in entries.intents)
        if not known or count * 2 < group.count:
            continue
        ranked = sorted(scores[candidate])
        median = ranked[len(ranked) // 2]
        if clarify[candidate] * 2 >= group.count or median >= NEAR_SCORE:
            nearest = candidate
            break
    if nearest is not None:
        group.nearest = nearest
        group.nearest_example = example.get(nearest)
        group.stub = phrasing_stub(nearest, group.best_spelled[0], entries,
                                   group.nearest_example)
    else:
        group.stub = faq_stub(group.best_spelled[:5], used_ids, set(entries.faq))


def yaml_string(text: str) -> str:
    """Return ``text`` as a double-quoted YAML scalar on one line."""
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=2**31 - 1)
    return dumped.strip().removesuffix("...").strip()


def phrasing_stub(nearest: str, question: str, entries: _KnownEntries,
                  example: str | None = None) -> str:
    """A new phrasing for the intent (or ``faq:<id>`` entry) ``nearest``."""
    if nearest.startswith("faq:"):
        faq_id = nearest[4:]
        where = entries.faq.get(faq_id, "knowledge/faq.yaml")
        head = f"# add to {where}, FAQ {faq_id}, questions:"
    else:
        where = entries.intents.get(nearest, "knowledge/intents.yaml")
        head = f"# add to {where}, intent {nearest}, examples:"
    caveat = "# (only if these questions ask the same as"
    caveat += f" {json.dumps(example, ensure_ascii=False)}" if example else " that entry"
    caveat += "; otherwise they need a new FAQ entry)"
    return f"{head}\n{caveat}\n      - {yaml_string(question)}\n"


def faq_stub(questions: list[str], used_ids: set[str], taken: set[str]) -> str:
    """A new FAQ skeleton with the group's questions; its TODOs fail `check` until filled."""
    slug = _slug(questions[0]) or "new-question"
    entry_id, number = slug, 2
    while entry_id in used_ids or entry_id in taken:
        entry_id = f"{slug}-{number}"
        number += 1
    used_ids.add(entry_id)
    lines = ["# new FAQ entry: paste the item (from `- id:`) under `faq:` in knowledge/faq.yaml,",
             "# then write the answer and cite a verbatim quote (TODOs do not pass `check`)",
             "faq:",
             f"  - id: {entry_id}",
             "    questions:"]
    lines += [f"      - {yaml_string(q)}" for q in questions]
    lines += ["    answer: TODO",
              "    cites:",
              "      - source: TODO",
              "        quote: TODO"]
    return "\n".join(lines) + "\n"


def _slug(text: str, words: int = 6) -> str:
    kept = [w for w in normalize(text).split() if w not in _FILLER_WORDS][:words]
    slug = "-".join(kept)[:48].strip("-")
    return slug if slug and slug[0].isalnum() else ""
