"""``meetbot misses``: group the logged misses and print a ready-to-paste YAML stub for each.

:func:`report` reads the log and its rotated files, groups similar questions (rapidfuzz, after
:func:`meetbot.lang.normalize.normalize`, without the catalogues' function words and fillers),
and prints for each group, biggest first, a new phrasing for the intent or FAQ entry the
questions nearly matched, or a new FAQ skeleton when nothing was close
(:mod:`meetbot.curation.misses.stubs`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from meetbot.curation.misses.stubs import KnownEntries, faq_stub, filler_words, phrasing_stub
from meetbot.lang.normalize import MAX_QUESTION_CHARS, clean, normalize

logger = logging.getLogger(__name__)

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


def _cluster_key(question: str, filler: frozenset[str]) -> str:
    words = normalize(question).split()
    content = [w for w in words if w not in filler]
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
                 max_wordings: int = MAX_WORDINGS,
                 filler: frozenset[str] | None = None) -> list[MissGroup]:
    """Group similar misses greedily, most frequent wording first; biggest group first.

    Questions are normalised (case, script, punctuation), stripped of question words and
    respelled (:func:`_spelling_map`); then each distinct wording, most frequent first, joins
    the group whose leading wording it resembles most (:func:`_similarity` >= ``threshold``,
    compared with the groups that share a word with it) or starts a new group. Beyond the
    ``max_wordings`` most frequent wordings, the rest form one group with an empty ``key``.
    """
    filler = filler_words() if filler is None else filler
    raw_keys = [(miss, _cluster_key(miss.question, filler)) for miss in misses]
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
    entries = KnownEntries.load(Path(knowledge_dir))
    groups = group_misses(misses, filler=entries.filler)
    ungrouped = [group for group in groups if group.ungrouped]
    groups = [group for group in groups if not group.ungrouped]
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




def _decide(group: MissGroup, entries: KnownEntries, used_ids: set[str]) -> None:
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
        group.stub = faq_stub(group.best_spelled[:5], used_ids, set(entries.faq),
                              entries.filler)

