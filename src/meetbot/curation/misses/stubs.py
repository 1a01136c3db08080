"""YAML stubs for ``meetbot misses``: a new phrasing for an entry, or a new FAQ skeleton."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from meetbot.errors import KnowledgeError, Problem
from meetbot.lang.normalize import normalize
from meetbot.lang.words import LanguageWords


@lru_cache(maxsize=1)
def filler_words() -> frozenset[str]:
    """The function words and fillers of the shipped catalogues (every language)."""
    from meetbot.store.catalogs import load_catalogs

    problems: list[Problem] = []
    return _filler(LanguageWords.from_catalogs(load_catalogs(None, problems).values()))


def _filler(words: LanguageWords) -> frozenset[str]:
    return words.stopwords | words.fillers


@dataclass
class KnownEntries:
    """Where the intents and FAQ entries of the knowledge base are defined."""

    intents: dict[str, str]
    faq: dict[str, str]
    problem: str | None = None
    filler: frozenset[str] | None = None
    """The function words and fillers of the knowledge base's catalogues (None: shipped)."""

    @classmethod
    def load(cls, directory: Path) -> KnownEntries:
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
                   {f: where("faq", f) for f in kb.faq},
                   filler=_filler(LanguageWords.from_catalogs(kb.catalogs.values())))



def yaml_string(text: str) -> str:
    """Return ``text`` as a double-quoted YAML scalar on one line."""
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=2**31 - 1)
    return dumped.strip().removesuffix("...").strip()


def phrasing_stub(nearest: str, question: str, entries: KnownEntries,
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


def faq_stub(questions: list[str], used_ids: set[str], taken: set[str],
             filler: frozenset[str] | None = None) -> str:
    """A new FAQ skeleton with the group's questions; its TODOs fail `check` until filled."""
    slug = _slug(questions[0], filler_words() if filler is None else filler) or "new-question"
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


def _slug(text: str, filler: frozenset[str], words: int = 6) -> str:
    kept = [w for w in normalize(text).split() if w not in filler][:words]
    slug = "-".join(kept)[:48].strip("-")
    return slug if slug and slug[0].isalnum() else ""
