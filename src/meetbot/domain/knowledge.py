"""The knowledge base: verified entries, indexed for answering.

:func:`meetbot.store.load` reads a knowledge directory (YAML, validation, cross-references,
citation checks; every problem as ``file:line: message``) and returns an immutable
:class:`KnowledgeBase`. This module holds what answering needs — the knowledge base and its
indexes — and imports neither YAML nor pydantic, so an engine from the cache starts without
them.
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from meetbot.domain.schema import (
    Cite,
    Event,
    FaqEntry,
    Intent,
    Meeting,
    Organization,
    Person,
    Role,
    Source,
    Statement,
    Strict,
)
from meetbot.errors import Problem
from meetbot.lang.catalog import Catalog

Path_ = tuple[str | int, ...]
"""Where a value sits in a file's data: keys and list indexes."""

@dataclass(frozen=True, slots=True)
class SourceDoc:
    """A registered source with its verbatim text."""

    meta: Source
    text: str
    flat: str
    """The text with whitespace collapsed, as quotes are matched against it."""


@dataclass(frozen=True, slots=True)
class Located:
    """Where an entry was defined, for messages that point the curator at it."""

    file: str
    line: int | None


@dataclass(frozen=True)
class KnowledgeBase:
    """An immutable, verified knowledge base."""

    root: Path
    sources: Mapping[str, SourceDoc]
    people: Mapping[str, Person]
    roles: Mapping[str, Role]
    organizations: Mapping[str, Organization]
    events: Mapping[str, Event]
    meetings: Mapping[str, Meeting]
    faq: Mapping[str, FaqEntry]
    intents: Mapping[str, Intent]
    locations: Mapping[tuple[str, str], Located]
    fingerprint: str
    warnings: tuple[Problem, ...] = field(default=())
    catalogs: Mapping[str, Catalog] = field(default_factory=dict)
    """Message catalogues by language code; ``en`` is always present."""

    def catalog(self, language: str) -> Catalog:
        """The catalogue for ``language``, or English when there is none."""
        return self.catalogs.get(language) or self.catalogs["en"]

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support (for the engine cache): read-only mappings as plain dicts."""
        return {key: dict(value) if isinstance(value, MappingProxyType) else value
                for key, value in self.__dict__.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            if isinstance(value, dict) and key != "lookups":
                value = MappingProxyType(value)
            object.__setattr__(self, key, value)

    @cached_property
    def lookups(self) -> Lookups:
        """Indexes built once, so answering stays fast as the knowledge base grows."""
        return Lookups.build(self)

    def where(self, kind: str, entry_id: str) -> Located:
        """Return where the entry ``kind``/``entry_id`` is defined."""
        return self.locations.get((kind, entry_id), Located(str(self.root), None))


@dataclass(frozen=True)
class Lookups:
    """The knowledge base indexed by what questions ask about."""

    meetings: tuple[Meeting, ...]
    """Every meeting, by date."""
    dates: tuple[str, ...]
    """The date of each of ``meetings`` (for bisecting a period)."""
    by_month: Mapping[str, tuple[Meeting, ...]]
    """Per month number ("06"), the meetings in that month of any year."""
    by_person: Mapping[str, tuple[Meeting, ...]]
    by_event: Mapping[str, tuple[Meeting, ...]]
    holders: Mapping[str, tuple[tuple[str, Person, Cite], ...]]
    """Per role: (as of, person, cite), newest first."""
    said_by: Mapping[str, tuple[tuple[Meeting, Statement], ...]]

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Lookups:
        """Index ``kb``."""
        meetings = tuple(sorted(kb.meetings.values(), key=lambda m: (m.date, m.id)))
        by_person: dict[str, list[Meeting]] = {}
        by_event: dict[str, list[Meeting]] = {}
        by_month: dict[str, list[Meeting]] = {}
        said_by: dict[str, list[tuple[Meeting, Statement]]] = {}
        for meeting in meetings:
            if len(meeting.date) >= 7:
                by_month.setdefault(meeting.date[5:7], []).append(meeting)
            for person_id in dict.fromkeys(meeting.participants):
                by_person.setdefault(person_id, []).append(meeting)
            if meeting.event:
                by_event.setdefault(meeting.event, []).append(meeting)
            for statement in meeting.statements:
                said_by.setdefault(statement.speaker, []).append((meeting, statement))
        holders: dict[str, list[tuple[str, Person, Cite]]] = {}
        for person in kb.people.values():
            for holding in person.roles:
                holders.setdefault(holding.role, []).append(
                    (holding.as_of, person, holding.cite))
        return cls(
            meetings=meetings,
            dates=tuple(m.date for m in meetings),
            by_month={k: tuple(v) for k, v in by_month.items()},
            by_person={k: tuple(v) for k, v in by_person.items()},
            by_event={k: tuple(v) for k, v in by_event.items()},
            holders={k: tuple(sorted(v, key=lambda row: row[0], reverse=True))
                     for k, v in holders.items()},
            said_by={k: tuple(v) for k, v in said_by.items()})

    def meetings_of(self, people: Sequence[str]) -> list[Meeting]:
        """The meetings every one of ``people`` took part in, by date."""
        if not people:
            return list(self.meetings)
        lists = sorted((self.by_person.get(p, ()) for p in people), key=len)
        return [m for m in lists[0] if all(p in m.participants for p in people)]

    def meetings_in(self, period: str) -> Sequence[Meeting]:
        """The meetings in ``period`` (``2023``, ``2023-06``, ``2023-06-07`` or ``????-06``)."""
        if period.startswith("????-"):
            return self.by_month.get(period[5:7], ())
        start = bisect.bisect_left(self.dates, period)
        return self.meetings[start:bisect.bisect_left(self.dates, period + "\uffff", start)]

    def only_meeting(self, events: Sequence[str], dates: Sequence[str]) -> Meeting | None:
        """The one meeting at the first of ``events`` and in the first of ``dates``, when
        they name any and only one meeting is there."""
        if not events and not dates:
            return None
        found = self.meetings_matching([], events[0] if events else None,
                                       dates[0] if dates else None)
        return found[0] if len(found) == 1 else None

    def meetings_matching(self, people: Sequence[str], event: str | None,
                          period: str | None) -> list[Meeting]:
        """The meetings of all ``people``, at ``event``, in ``period`` (each optional), by date.

        Starts from the narrowest index, so a filter over a large knowledge base costs the
        size of its answer, not the number of meetings.
        """
        if people:
            found: Sequence[Meeting] = self.meetings_of(people)
        elif period:
            found = self.meetings_in(period)
            period = None
        elif event:
            found = self.by_event.get(event, ())
            event = None
        else:
            found = self.meetings
        return [m for m in found if (event is None or m.event == event)
                and (period is None or date_in(m.date, period))]


def date_in(value: str, period: str) -> bool:
    """True when the date ``value`` falls in ``period`` (a year, month or day)."""
    if period.startswith("????-"):
        return len(value) >= 7 and value[5:7] == period[5:7]
    return value.startswith(period)


def cites_in(obj: Any, path: Path_ = ()) -> list[tuple[Path_, Cite]]:
    """Every citation inside the entry ``obj``, with its data path."""
    found: list[tuple[Path_, Cite]] = []
    _collect_cites(obj, path, found)
    return found


def _collect_cites(obj: Any, path: Path_, found: list[tuple[Path_, Cite]]) -> None:
    if isinstance(obj, Cite):
        found.append((path, obj))
    elif isinstance(obj, Strict):
        for name in _fields_with_models(type(obj)):
            value = getattr(obj, name)
            if value is not None:
                _collect_cites(value, (*path, name), found)
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            _collect_cites(item, (*path, index), found)
    elif isinstance(obj, Mapping):
        for key, item in obj.items():
            _collect_cites(item, (*path, str(key)), found)


_MODEL_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields_with_models(model: type[Strict]) -> tuple[str, ...]:
    """The fields of the entry class ``model`` whose values can hold entries (and citations)."""

    def holds_model(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, Strict):
            return True
        return any(holds_model(arg) for arg in typing.get_args(annotation))

    found = _MODEL_FIELDS.get(model)
    if found is None:
        found = _MODEL_FIELDS[model] = tuple(
            name for name, hint in typing.get_type_hints(model).items() if holds_model(hint))
    return found
