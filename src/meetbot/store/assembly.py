"""Assemble validated knowledge files into one :class:`KnowledgeBase`, checking what they say
about each other.

:func:`assemble` merges the entries of every file, then checks, collecting every problem as
``file:line: message``: each id is unique within its section, each reference (``role``,
``organization``, ``parent``, ``event``, ``participants``, ``speaker``, ``source``) names an
entry ("did you mean" a close one), each statement's speaker takes part in its meeting, each
source text is a readable file inside the knowledge directory, and each citation's quote
occurs in its source text verbatim (whitespace-normalised; else the closest text is shown).
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

from meetbot.domain.knowledge import KnowledgeBase, Located, Path_, SourceDoc, cites_in
from meetbot.domain.schema import SECTIONS, KnowledgeFile
from meetbot.errors import KnowledgeError, Problem
from meetbot.files import MAX_FILE_BYTES, FileRefused, read_regular
from meetbot.lang.normalize import squash_whitespace
from meetbot.store.hints import cut_short, did_you_mean, quote_hint
from meetbot.store.yamlfile import ParsedFile

QUOTE_SHOWN = 70
"""How many characters of a quote not found a problem repeats."""


def assemble(root: Path, parsed_files: list[tuple[ParsedFile, KnowledgeFile]],
             problems: list[Problem], stamp: str,
             declared: set[str] | None = None) -> KnowledgeBase:
    """Merge validated files, then check ids, references and citations.

    ``declared`` holds ids whose entries exist but are broken (already reported): a
    reference to one of them is not reported again as unknown. Raises
    :class:`~meetbot.errors.KnowledgeError` with ``problems`` and those found here.
    """
    merged = _Merged(problems, declared or set())
    merged.add(parsed_files)
    merged.check_references()
    sources = merged.read_sources(root)
    merged.check_citations(sources)
    if problems:
        raise KnowledgeError(problems)
    entries: dict[str, Any] = {section: MappingProxyType(table) for section, table
                               in merged.tables.items() if section != "sources"}
    return KnowledgeBase(
        root=root,
        **entries,
        sources=MappingProxyType(sources),
        locations=MappingProxyType(merged.located),
        fingerprint=stamp,
    )


class _Merged:
    """The entries of every file by section and id, with where each was defined."""

    def __init__(self, problems: list[Problem], declared: set[str]) -> None:
        self.problems = problems
        self.declared = declared
        self.tables: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
        self.located: dict[tuple[str, str], Located] = {}
        self.origin: dict[tuple[str, str], tuple[ParsedFile, Path_]] = {}

    def add(self, parsed_files: list[tuple[ParsedFile, KnowledgeFile]]) -> None:
        """Take every entry of ``parsed_files``; a second entry with an id is a problem."""
        for parsed, model in parsed_files:
            for section in SECTIONS:
                for index, entry in enumerate(getattr(model, section)):
                    path: Path_ = (section, index)
                    here = Located(parsed.name, parsed.line((*path, "id")))
                    key = (section, entry.id)
                    if key in self.located:
                        first = self.located[key]
                        self.problems.append(Problem(
                            here.file, here.line,
                            f"duplicate {section} id {entry.id!r} (first defined at "
                            f"{first.file}:{first.line})"))
                        continue
                    self.located[key] = here
                    self.origin[key] = (parsed, path)
                    self.tables[section][entry.id] = entry

    def _problem(self, key: tuple[str, str], subpath: Path_, message: str) -> None:
        """A problem at ``subpath`` of the entry ``key``."""
        parsed, path = self.origin[key]
        self.problems.append(Problem(parsed.name, parsed.line((*path, *subpath)), message))

    def ref(self, key: tuple[str, str], subpath: Path_, target: str, value: str | None) -> bool:
        """Report a reference to no entry; True when ``value`` names one (or a broken one)."""
        table = self.tables[target]
        if value is None or value in table or value in self.declared:
            return True
        close = did_you_mean(value, table)
        known = (f"did you mean {close!r}?" if close else
                 "known: " + (", ".join(sorted(table)[:8]) or "none defined"))
        self._problem(key, subpath, f"unknown {target} id {value!r} ({known})")
        return False

    def check_references(self) -> None:
        """Every reference names an entry; every statement's speaker is a participant."""
        tables, ref = self.tables, self.ref
        for pid, person in tables["people"].items():
            for i, holding in enumerate(person.roles):
                ref(("people", pid), ("roles", i, "role"), "roles", holding.role)
        for rid, role in tables["roles"].items():
            ref(("roles", rid), ("organization",), "organizations", role.organization)
        for oid, org in tables["organizations"].items():
            ref(("organizations", oid), ("parent",), "organizations", org.parent)
        for eid, event in tables["events"].items():
            ref(("events", eid), ("organization",), "organizations", event.organization)
        for mid, meeting in tables["meetings"].items():
            key = ("meetings", mid)
            ref(key, ("event",), "events", meeting.event)
            unknown = {pid for i, pid in enumerate(meeting.participants)
                       if not ref(key, ("participants", i), "people", pid)}
            for i, statement in enumerate(meeting.statements):
                if statement.speaker in unknown:
                    continue  # the same misspelt id: reported once, at the participant
                ref(key, ("statements", i, "speaker"), "people", statement.speaker)
                if unknown:
                    continue  # with the participants wrong, "not a participant" is a knock-on
                if (statement.speaker in tables["people"]
                        and statement.speaker not in meeting.participants):
                    self._problem(key, ("statements", i, "speaker"),
                                  f"speaker {statement.speaker!r} is not a participant of "
                                  "this meeting")

    def read_sources(self, root: Path) -> dict[str, SourceDoc]:
        """The text of every source that is a readable file inside ``root``."""
        sources: dict[str, SourceDoc] = {}
        for sid, meta in self.tables["sources"].items():
            key = ("sources", sid)
            file_path = (root / meta.file).resolve()
            if not file_path.is_relative_to(root.resolve()):
                self._problem(key, ("file",), "source file must be inside the knowledge "
                              "directory")
                continue
            try:
                text = read_regular(file_path, MAX_FILE_BYTES).decode("utf-8")
            except FileNotFoundError:
                self._problem(key, ("file",), f"source file {meta.file!r} not found")
                continue
            except (OSError, UnicodeDecodeError, FileRefused) as exc:
                self._problem(key, ("file",), f"cannot read source file {meta.file!r}: {exc}")
                continue
            sources[sid] = SourceDoc(meta, text, squash_whitespace(text))
        return sources

    def check_citations(self, sources: dict[str, SourceDoc]) -> None:
        """Every citation names a source, and its quote is in that source's text."""
        known = self.tables["sources"]
        for (section, entry_id), (parsed, path) in self.origin.items():
            entry = self.tables[section][entry_id]
            for subpath, value in cites_in(entry, path):
                if value.source in self.declared and value.source not in known:
                    continue
                if value.source not in known:
                    self.ref((section, entry_id), (*subpath[len(path):], "source"), "sources",
                             value.source)
                    continue
                doc = sources.get(value.source)
                quote = squash_whitespace(value.quote)
                if doc is not None and quote not in doc.flat:
                    self.problems.append(Problem(
                        parsed.name, parsed.line((*subpath, "quote")),
                        f"quote not found in source {value.source!r}: "
                        f"{cut_short(quote, QUOTE_SHOWN)!r}; {quote_hint(quote, doc.flat)}"))
