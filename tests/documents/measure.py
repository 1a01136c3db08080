"""How much of the curation ``meetbot ingest`` drafts, measured on the documents beside this file.

Each ``NAME.txt`` here (and in ``holdout/``) is a test document in the style of an official
press release, and ``NAME.expected.yaml`` what a curator would write for it: people with their
roles, organisations, meetings with their date, topics and statements. The script ingests
every document into a copy of the shipped knowledge base, reads the draft as the curator
would (its entries, and its ``# matches existing ...`` comments for what the knowledge base
already has) and reports, per document and per set, the share of each kind the draft holds
and what it drafted that the curator would not write (invented).

    python tests/documents/measure.py            # every document, a table per set
    python tests/documents/measure.py --json     # the same as JSON

The documents in ``holdout/`` are not used to tune drafting: report them separately.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
sys.path.insert(0, str(PROJECT / "src"))

from meetbot.curation.ingest import IngestError, check_drafts, ingest  # noqa: E402
from meetbot.lang.normalize import normalize, transliterate  # noqa: E402
from meetbot.store import load  # noqa: E402

KINDS = ("people", "organizations", "roles", "meetings", "topics", "statements")
KNOWN_PERSON = re.compile(r"^# matches existing person (\S+) ")
KNOWN_ORG = re.compile(r"^# matches existing organization (\S+) ")
KNOWN_ROLE = re.compile(r"^#\s+(?:- role: (\S+)|\(already holds (\S+);)")


@dataclass
class Score:
    """Found and expected counts per kind, what was invented, and notes."""

    document: str
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    expected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    invented: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    missed: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    title_ok: bool = False
    valid: bool = False
    notes: list[str] = field(default_factory=list)

    def share(self, kind: str) -> float | None:
        """The share of ``kind`` found, or None when none was expected."""
        return self.found[kind] / self.expected[kind] if self.expected[kind] else None


def documents(folder: Path) -> list[Path]:
    """The test documents of ``folder``."""
    return sorted(p for p in folder.glob("*.txt"))


def same_name(a: str, b: str) -> bool:
    """Whether two spellings name the same person (case, script and inflection aside)."""
    left, right = transliterate(a), transliterate(b)
    return left == right or fuzz.ratio(left, right) >= 90


def same_text(a: str, b: str) -> bool:
    """Whether two role or organisation names are the same (normalised, small typos aside)."""
    return fuzz.ratio(normalize(a), normalize(b)) >= 90


def contains(text: str, words: str) -> bool:
    """Whether ``text`` holds ``words`` (normalised)."""
    return f" {normalize(words)} " in f" {normalize(text)} "


class DraftView:
    """A draft as the curator reads it: entries, and comments naming known entries."""

    def __init__(self, text: str, kb: Any) -> None:
        self.kb = kb
        self.data: dict[str, Any] = yaml.safe_load(text) or {}
        self.people: dict[str, str] = {}
        """Person id (draft or known) -> name."""
        self.roles: dict[str, list[tuple[str, str | None]]] = {}
        """Person id -> (role name, known role id or None)."""
        self.known_orgs: set[str] = set()
        self.new_orgs: list[dict[str, Any]] = []
        role_names = {r["id"]: r for r in self.data.get("roles") or []}
        for person in self.data.get("people") or []:
            self.people[person["id"]] = person["name"]
            for holding in person.get("roles") or []:
                self.roles.setdefault(person["id"], []).append(self._role(holding["role"],
                                                                          role_names))
        current: str | None = None
        for line in text.splitlines():
            if (match := KNOWN_PERSON.match(line)) is not None:
                current = match.group(1)
                self.people[current] = kb.people[current].name
                continue
            if current and (match := KNOWN_ROLE.match(line)) is not None:
                role = match.group(1) or match.group(2)
                self.roles.setdefault(current, []).append(self._role(role, role_names))
                continue
            if not line.startswith("#   "):
                current = None
            if (match := KNOWN_ORG.match(line)) is not None:
                self.known_orgs.add(match.group(1))
        for role in role_names.values():
            if role.get("organization") in kb.organizations:
                self.known_orgs.add(role["organization"])
        self.new_orgs = list(self.data.get("organizations") or [])
        self.new_roles = [r["name"] for r in role_names.values()]
        self.meetings = list(self.data.get("meetings") or [])

    def _role(self, role_id: str, drafted: dict[str, Any]) -> tuple[str, str | None]:
        if role_id in self.kb.roles:
            return self.kb.roles[role_id].name, role_id
        return str(drafted.get(role_id, {}).get("name", role_id)), None


def score_document(path: Path, kb_dir: Path) -> Score:
    """Ingest ``path`` into a copy of ``kb_dir`` and score its draft."""
    expected = yaml.safe_load((path.parent / f"{path.stem}.expected.yaml").read_text(
        encoding="utf-8"))
    score = Score(path.stem)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "knowledge"
        shutil.copytree(kb_dir, work, ignore=shutil.ignore_patterns("drafts"))
        try:
            ingest(work, path, url="https://example.org/test", publisher="Test Publisher",
                   source_id="doc")
        except IngestError as exc:
            score.notes.append(f"ingest failed: {exc}")
            _score_people(score, expected, DraftView("", load(work)))
            _score_orgs(score, expected, DraftView("", load(work)))
            _score_meetings(score, expected, DraftView("", load(work)))
            return score
        kb = load(work)
        score.title_ok = kb.sources["doc"].meta.title == expected["title"]
        if not score.title_ok:
            score.notes.append(f"title: {kb.sources['doc'].meta.title!r}")
        score.valid = not check_drafts(work)
        view = DraftView((work / "drafts" / "doc.yaml").read_text(encoding="utf-8"), kb)
    _score_people(score, expected, view)
    _score_orgs(score, expected, view)
    _score_meetings(score, expected, view)
    return score


def _person_map(expected: dict[str, Any], view: DraftView) -> dict[str, str]:
    """Drafted person id -> the expected person's name it stands for."""
    found: dict[str, str] = {}
    for person in expected.get("people") or []:
        for pid, name in view.people.items():
            if pid in found:
                continue
            if person.get("known") == pid or (not person.get("known")
                                              and same_name(name, person["name"])):
                found[pid] = person["name"]
                break
    return found


def _score_people(score: Score, expected: dict[str, Any], view: DraftView) -> None:
    people = _person_map(expected, view)
    named = set(people.values())
    for person in expected.get("people") or []:
        score.expected["people"] += 1
        if person["name"] in named:
            score.found["people"] += 1
        else:
            score.missed["people"].append(person["name"])
        pid = next((p for p, n in people.items() if n == person["name"]), None)
        held = view.roles.get(pid, []) if pid else []
        for role in person.get("roles") or []:
            score.expected["roles"] += 1
            if any((role.get("known") and role.get("known") == known) or
                   (not role.get("known") and known is None and same_text(name, role["name"]))
                   for name, known in held):
                score.found["roles"] += 1
            else:
                score.missed["roles"].append(f"{person['name']}: {role['name']}")
    score.invented["people"] = [n for p, n in view.people.items() if p not in people]
    wanted = [r["name"] for p in expected.get("people") or [] for r in p.get("roles") or []]
    score.invented["roles"] = [name for name in view.new_roles
                               if not any(same_text(name, w) for w in wanted)]
    for pid, holdings in view.roles.items():
        if pid in people:
            roles = next(p.get("roles") or [] for p in expected["people"]
                         if p["name"] == people[pid])
            for name, known in holdings:
                if not any((r.get("known") and r["known"] == known) or same_text(name, r["name"])
                           for r in roles):
                    score.invented["roles"].append(f"{people[pid]}: {name}")


def _score_orgs(score: Score, expected: dict[str, Any], view: DraftView) -> None:
    matched: set[int] = set()
    for org in expected.get("organizations") or []:
        score.expected["organizations"] += 1
        hit = None
        if org.get("known"):
            hit = -1 if org["known"] in view.known_orgs else None
        else:
            hit = next((i for i, new in enumerate(view.new_orgs) if i not in matched and (
                same_text(new["name"], org["name"]) or set(new.get("acronyms") or [])
                & set(org.get("acronyms") or []))), None)
        if hit is None:
            score.missed["organizations"].append(org["name"])
            continue
        score.found["organizations"] += 1
        if hit >= 0:
            matched.add(hit)
    score.invented["organizations"] = [o["name"] for i, o in enumerate(view.new_orgs)
                                       if i not in matched]


def _score_meetings(score: Score, expected: dict[str, Any], view: DraftView) -> None:
    people = _person_map(expected, view)
    used: set[int] = set()
    for meeting in expected.get("meetings") or []:
        score.expected["meetings"] += 1
        score.expected["topics"] += len(meeting.get("topics") or [])
        score.expected["statements"] += len(meeting.get("statements") or [])
        wanted = frozenset(meeting["participants"])
        index = next((i for i, m in enumerate(view.meetings) if i not in used and frozenset(
            people.get(p, p) for p in m["participants"]) == wanted), None)
        if index is None:
            score.missed["meetings"].append(" + ".join(sorted(wanted)))
            score.missed["topics"] += meeting.get("topics") or []
            score.missed["statements"] += [s["says"] for s in meeting.get("statements") or []]
            continue
        used.add(index)
        found = view.meetings[index]
        if str(found.get("date")) == meeting["date"]:
            score.found["meetings"] += 1
        else:
            score.missed["meetings"].append(f"{' + '.join(sorted(wanted))} on {meeting['date']}"
                                            f" (drafted {found.get('date')})")
        topics = [t["text"] + " " + t["cite"]["quote"] for t in found.get("topics") or []]
        for topic in meeting.get("topics") or []:
            if any(contains(t, topic) for t in topics):
                score.found["topics"] += 1
            else:
                score.missed["topics"].append(topic)
        score.invented["topics"] += [t for t in topics if not any(
            contains(t, w) for w in meeting.get("topics") or [])]
        said = [(people.get(s["speaker"], s["speaker"]), s["cite"]["quote"])
                for s in found.get("statements") or []]
        for statement in meeting.get("statements") or []:
            if any(who == statement["speaker"] and contains(quote, statement["says"])
                   for who, quote in said):
                score.found["statements"] += 1
            else:
                score.missed["statements"].append(f"{statement['speaker']}: "
                                                  f"{statement['says']}")
        score.invented["statements"] += [f"{who}: {quote[:60]}" for who, quote in said if not any(
            who == s["speaker"] and contains(quote, s["says"])
            for s in meeting.get("statements") or [])]
    score.invented["meetings"] = [" + ".join(sorted(people.get(p, p) for p in m["participants"]))
                                  for i, m in enumerate(view.meetings) if i not in used]


def total(scores: list[Score]) -> Score:
    """The scores of a set of documents added up."""
    summed = Score("all")
    for score in scores:
        for kind in KINDS:
            summed.found[kind] += score.found[kind]
            summed.expected[kind] += score.expected[kind]
            summed.invented[kind] += score.invented[kind]
            summed.missed[kind] += score.missed[kind]
    summed.title_ok = all(s.title_ok for s in scores)
    summed.valid = all(s.valid for s in scores)
    return summed


def table(name: str, scores: list[Score]) -> Iterator[str]:
    """A text table of ``scores``, one row per document and one for the set."""
    yield f"== {name}"
    header = " ".join(f"{k[:13]:>13}" for k in KINDS)
    yield f"{'document':34} {header}  invented  title  check"
    for score in [*scores, total(scores)]:
        cells = []
        for kind in KINDS:
            share = score.share(kind)
            cells.append(f"{score.found[kind]}/{score.expected[kind]}"
                         + (f" {share:4.0%}" if share is not None else "     "))
        invented = sum(len(v) for v in score.invented.values())
        yield (f"{score.document:34} " + " ".join(f"{c:>13}" for c in cells)
               + f"  {invented:8}  {'ok' if score.title_ok else 'no':>5}  "
               f"{'ok' if score.valid else 'no':>5}")
    for score in scores:
        for kind in KINDS:
            for item in score.missed[kind]:
                yield f"  {score.document}: missed {kind}: {item}"
            for item in score.invented[kind]:
                yield f"  {score.document}: invented {kind}: {item}"
        for note in score.notes:
            yield f"  {score.document}: {note}"


def measure() -> dict[str, list[Score]]:
    """Scores of the tuning documents and of the held-out ones."""
    kb = PROJECT / "knowledge"
    return {"documents": [score_document(p, kb) for p in documents(HERE)],
            "held out": [score_document(p, kb) for p in documents(HERE / "holdout")]}


def main() -> int:
    """Print the tables (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = measure()
    if args.json:
        print(json.dumps({name: [vars(s) for s in scores] for name, scores in results.items()},
                         ensure_ascii=False, indent=1))
        return 0
    for name, scores in results.items():
        print("\n".join(table(name, scores)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
