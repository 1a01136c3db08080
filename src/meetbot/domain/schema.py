"""The shape of the knowledge files: one frozen dataclass per kind of entry.

Each YAML file under ``knowledge/`` holds one or more top-level sections (``sources``,
``people``, ``roles``, ``organizations``, ``events``, ``meetings``, ``faq``, ``intents``),
each a list of entries. :mod:`meetbot.store.validation` validates the files against these
classes with pydantic (types, required keys, unknown keys, patterns, whitespace stripped from
every string), :mod:`meetbot.store.assembly` checks cross-references and citations, and every
error becomes ``file:line: message``.

The classes are plain dataclasses, and the constraints plain annotations (:class:`Rule`), so
the answering side, and an engine unpickled from the cache, never import pydantic: a cold
``meetbot ask`` starts in a fraction of the time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Annotated, Any, ClassVar, Final, Literal
from urllib.parse import urlsplit

SHORT_NAME_WORDS: Final = 3
"""A publisher's name of at most this many words is what readers call its documents."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A constraint on a string or list field, applied when a knowledge file is validated.

    Implements pydantic's ``__get_pydantic_core_schema__`` hook, so pydantic is only
    imported by whoever validates.
    """

    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    before: Callable[[object], object] | None = None
    """Applied to the raw value first (e.g. a YAML date becomes a string)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        """The core schema of ``source`` with this rule's constraints."""
        from pydantic_core import core_schema

        schema = handler(source)
        constraints = {key: value for key in ("pattern", "min_length", "max_length")
                       if (value := getattr(self, key)) is not None}
        if constraints and schema.get("type") not in ("str", "list"):
            # Anything else would ignore the keys silently: put the Rule on the str or list.
            raise TypeError(f"Rule{constraints} applies to a str or list schema, not to a "
                            f"{schema.get('type')!r} one (for {source!r})")
        schema.update(constraints)
        if self.before is not None:
            return core_schema.no_info_before_validator_function(self.before, schema)
        return schema


_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_DATE_RE = re.compile(_DATE)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def unreal_date(value: str) -> str | None:
    """Why the ``YYYY[-MM[-DD]]`` string ``value`` names no real date; None when it does.

    "2025-02-30 is not a real date (February 2025 has 28 days)".
    """
    parts = value.split("-")
    year = int(parts[0])
    if year < 1:
        return f"{value} is not a real date (years start at 0001)"
    if len(parts) > 1:
        month = int(parts[1])
        if not 1 <= month <= 12:
            return f"{value} is not a real date (there is no month {parts[1]})"
        if len(parts) > 2:
            day = int(parts[2])
            days = calendar.monthrange(year, month)[1]
            if not 1 <= day <= days:
                return (f"{value} is not a real date ({_MONTHS[month - 1]} {parts[0]} has "
                        f"{days} days)")
    return None


def _coerce_date(value: object) -> object:
    """Accept YAML dates (``2023-06-07`` parses as a date) and bare years as strings;
    refuse dates that do not exist (``2025-02-30``, ``2025-13``, ``0000``)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str):
        if not _DATE_RE.match(value):
            raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
        problem = unreal_date(value)
        if problem is not None:
            raise ValueError(problem)
    return value


Id = Annotated[str, Rule(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, Rule(min_length=1)]
PartialDate = Annotated[str, Rule(pattern=_DATE, before=_coerce_date)]
"""A date as precise as the source is: ``2010``, ``2023-06`` or ``2023-06-07``."""
LanguageCode = Annotated[str, Rule(pattern=r"^[a-z]{2,3}$")]
Translations = dict[LanguageCode, Text]
"""Curated renderings of a name or text in other languages, keyed by language code."""
Url = Annotated[str, Rule(pattern=r"^https?://\S+$")]
SlotKind = Literal["person", "role", "org", "event"]
"""The kinds of entry a question class can require."""


class Strict:
    """Base for every entry: unknown keys are errors, strings are stripped, values frozen."""

    __slots__ = ()
    __pydantic_config__: ClassVar[dict[str, Any]] = {
        "extra": "forbid", "str_strip_whitespace": True}


@dataclass(frozen=True, slots=True, kw_only=True)
class Cite(Strict):
    """Evidence for a fact: a verbatim (whitespace-normalised) quote from a source."""

    source: Id
    quote: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class Source(Strict):
    """A published document the knowledge base is built from."""

    id: Id
    title: Text
    publisher: Text
    url: Url
    published: PartialDate
    language: Annotated[str, Rule(pattern=r"^[a-z]{2}$")] = "en"
    file: Text
    note: Text | None = None
    aliases: list[Text] = field(default_factory=list)
    """Other names readers give the document's publisher ("Akorda"); its site's address
    ("akorda.kz") and the publisher's short name name it too (:attr:`names`)."""

    @property
    def names(self) -> list[str]:
        """What a reader may call the document: its site's address without "www.", the
        publisher's name in parentheses or before them when short ("Kazakhstan Today
        (kt.kz)"), and the curated aliases."""
        host = urlsplit(self.url).hostname or ""
        host = host.removeprefix("www.")
        found = [host] if host else []
        short, _, bracketed = self.publisher.partition("(")
        bracketed = bracketed.rstrip(") ")
        if bracketed and len(bracketed.split()) <= SHORT_NAME_WORDS:
            found.append(bracketed)
        if bracketed and len(short.split()) <= SHORT_NAME_WORDS:
            found.append(short.strip())
        return list(dict.fromkeys((*found, *self.aliases)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Role(Strict):
    """A position someone can hold, e.g. the OSCE Secretary General."""

    id: Id
    name: Text
    organization: Id | None = None
    head: bool = False
    """True when the holder heads ``organization`` ("who heads ODIHR?")."""
    aliases: list[Text] = field(default_factory=list)
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleHolding(Strict):
    """A person shown in a role by a source, as of that source's date."""

    role: Id
    as_of: PartialDate
    cite: Cite


@dataclass(frozen=True, slots=True, kw_only=True)
class Person(Strict):
    """A person the sources mention."""

    id: Id
    name: Text
    gender: Literal["female", "male"] | None = None
    """Used only to resolve "she"/"he" in follow-up questions."""
    aliases: list[Text] = field(default_factory=list)
    roles: list[RoleHolding] = field(default_factory=list)
    translations: Translations = field(default_factory=dict)
    cite: Cite | None = None
    """Evidence that the person appears in a source, when no role carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Organization(Strict):
    """A state, international organisation, institution or ministry."""

    id: Id
    name: Text
    kind: Literal["country", "international organization", "institution", "ministry",
                  "government", "publisher"]
    acronyms: list[Text] = field(default_factory=list)
    aliases: list[Text] = field(default_factory=list)
    parent: Id | None = None
    description: Text | None = None
    translations: Translations = field(default_factory=dict)
    cite: Cite


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact(Strict):
    """A short statement of fact with its evidence."""

    text: Text
    cite: Cite
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Strict):
    """A conference, forum or summit a meeting took place at or refers to."""

    id: Id
    name: Text
    aliases: list[Text] = field(default_factory=list)
    organization: Id | None = None
    date: PartialDate | None = None
    """Only when a source states it; otherwise the bot says the sources do not say."""
    date_cite: Cite | None = None
    place: Text | None = None
    place_cite: Cite | None = None
    facts: Annotated[list[Fact], Rule(min_length=1)]
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic(Strict):
    """Something discussed at a meeting."""

    text: Text
    keywords: list[Text] = field(default_factory=list)
    cite: Cite
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement(Strict):
    """Something a participant said: verbatim (``direct``) or as the source reports it."""

    speaker: Id
    kind: Literal["direct", "reported"] = "direct"
    keywords: list[Text] = field(default_factory=list)
    cite: Cite
    """For a direct statement the quote *is* the statement."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting(Strict):
    """A meeting between two or more people, as one source reports it."""

    id: Id
    title: Text
    date: PartialDate
    date_kind: Literal["meeting", "report"]
    """``report`` when the source gives only its own publication date."""
    date_cite: Cite | None = None
    event: Id | None = None
    place: Text | None = None
    place_cite: Cite | None = None
    participants: Annotated[list[Id], Rule(min_length=2)]
    summary: Fact
    topics: list[Topic] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqEntry(Strict):
    """A curated question (in several phrasings) and its cited answer."""

    id: Id
    questions: Annotated[list[Text], Rule(min_length=1)]
    answer: Text
    cites: Annotated[list[Cite], Rule(min_length=1)]
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Intent(Strict):
    """A class of question, with example phrasings the router learns from."""

    id: Id
    description: Text
    suggestion: Text
    """A readable question for "did you mean", with ``{person}``-style slots."""
    examples: Annotated[list[Text], Rule(min_length=1)]
    reply: Text | None = None
    """For conversational intents (greetings, thanks): the fixed reply."""
    requires: list[SlotKind] = field(default_factory=list)
    """The kinds of entry the question must name, or the conversation supply: "who is
    {person}" cannot be answered without a person."""
    instead: dict[SlotKind, SlotKind] = field(default_factory=dict)
    """A kind of entry that may stand in for a required one ("who heads {org}" for a role)."""
    pair: bool = False
    """About a meeting between two people: a person the question leaves out comes from the
    conversation, and the meeting under discussion stands for both."""
    roles_as_people: bool = False
    """A role named in the question ("the foreign minister") stands for the person holding
    it: the one who met someone else named, else the holder at the question's date, else the
    most recent one."""
    free_text: bool = False
    """Words the knowledge base has never seen are expected (a topic, a quotation) and do not
    lower the confidence once the required entries are there."""
    starter: bool = False
    """Its suggestion, filled from the knowledge base, is offered as an example question."""
    facts: list[Literal["statement", "topic", "summary", "role", "org", "event", "faq",
                        "sentence"]] = field(default_factory=list)
    """The kinds of fact its answer is made of: when the evidence for a question it may be
    is such a fact, its own answer is given ("who said ..." for a statement)."""
    people: int | None = None
    """At most how many people its answer speaks of (unset: any number). A question naming
    more people is less likely to be of this class: "was there a meeting between Telalian
    and Braathu?" is not about whom Telalian met."""
    yes_no: bool = False
    """Its answer says yes or no itself ("did {person} meet {person}"): a yes/no question
    routed to it is not answered from the evidence instead."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KnowledgeFile(Strict):
    """One YAML file: any subset of the sections."""

    sources: list[Source] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    faq: list[FaqEntry] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)


SECTIONS: Final = tuple(section.name for section in fields(KnowledgeFile))
"""The sections a knowledge file may hold, in the order they are read."""
