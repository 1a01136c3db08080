"""What a draft still needs before a curator moves it into the knowledge base.

A draft (``drafts/<id>.yaml``, marked ``# status: draft``) is never served. ``meetbot check``
validates it (:func:`meetbot.curation.ingest.check_drafts`) and lists, entry by entry with its
line, what drafting could not do: a curated id instead of ``draft-``, the translations the
bot's languages need, keywords for topics and statements, a gender where the text did not
tell it, a speaker drafting only guessed, a summary in the curator's own words.
"""

from __future__ import annotations

import re
from pathlib import Path

from meetbot.curation.ingest.scope import DRAFT_PREFIX
from meetbot.errors import KnowledgeError, Problem
from meetbot.lang.catalog import DEFAULT_LANGUAGE
from meetbot.store.catalogs import load_catalogs
from meetbot.store.directory import display_name
from meetbot.store.yamlfile import ParsedFile, parse_file

_GUESSED = re.compile(r"#\s*(?:reported, )?guessed:")


def draft_needs(knowledge_dir: Path) -> list[Problem]:
    """For every draft, one note per entry that still needs the curator (as warnings)."""
    root = Path(knowledge_dir)
    drafts_dir = root / "drafts"
    if not drafts_dir.is_dir():
        return []
    problems: list[Problem] = []
    languages = sorted(set(load_catalogs(root / "messages", problems)) - {DEFAULT_LANGUAGE})
    found: list[Problem] = []
    for path in sorted(drafts_dir.glob("*.yaml")):
        display = display_name(path, root)
        try:
            parsed = parse_file(path, display)
            text = path.read_text(encoding="utf-8")
        except (KnowledgeError, OSError, UnicodeDecodeError):
            continue  # check_drafts reports it
        found += _needs(parsed, languages)
        for number, line in enumerate(text.splitlines(), start=1):
            if _GUESSED.search(line) and "speaker:" in line:
                found.append(Problem(display, number, "draft: the speaker was guessed from "
                                     "'he'/'she': check it against the source", "warning"))
    return sorted(found, key=lambda p: (p.file, p.line or 0))


def _needs(parsed: ParsedFile, languages: list[str]) -> list[Problem]:
    out: list[Problem] = []
    data = parsed.data
    for section in ("people", "roles", "organizations", "meetings"):
        for index, entry in enumerate(data.get(section) or []):
            if not isinstance(entry, dict):
                continue
            wants = _entry_needs(section, entry, languages)
            if wants:
                out.append(Problem(parsed.name, parsed.line((section, index)),
                                   f"draft: {section} {entry.get('id', '?')!r} still needs "
                                   + "; ".join(wants), "warning"))
    return out


def _entry_needs(section: str, entry: dict[str, object], languages: list[str]) -> list[str]:
    wants: list[str] = []
    if str(entry.get("id", "")).startswith(DRAFT_PREFIX):
        wants.append("an id of your own (not draft-)")
    translations = entry.get("translations")
    missing = [lang for lang in languages
               if not (isinstance(translations, dict) and lang in translations)]
    if missing:
        wants.append(f"translations ({', '.join(missing)})")
    if section == "people" and "gender" not in entry:
        wants.append("gender, if the source shows it")
    if section == "roles" and "head" not in entry:
        wants.append("head: true if the holder heads the organisation")
    if section == "meetings":
        wants += _meeting_needs(entry)
    return wants


def _meeting_needs(entry: dict[str, object]) -> list[str]:
    wants: list[str] = []
    summary = entry.get("summary")
    if isinstance(summary, dict):
        cite = summary.get("cite")
        if isinstance(cite, dict) and cite.get("quote") == summary.get("text"):
            wants.append("a summary in your own words")
    for kind in ("topics", "statements"):
        items = entry.get(kind)
        if isinstance(items, list):
            bare = sum(1 for item in items if isinstance(item, dict) and not item.get("keywords"))
            if bare:
                wants.append(f"keywords for {bare} of its {len(items)} {kind}")
    return wants
