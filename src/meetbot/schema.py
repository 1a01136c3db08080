"""The shape of the knowledge files, as pydantic models.

Each YAML file under ``knowledge/`` holds one or more top-level sections (``sources``,
``people``, ``roles``, ``organizations``, ``events``, ``meetings``, ``faq``, ``intents``),
each a list of entries. The models here check types and required keys; cross-references
and citations are checked by :mod:`meetbot.knowledge`, which also turns every error into
``file:line: message``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
"""A date as precise as the source is: ``2010``, ``2023-06`` or ``2023-06-07``."""

_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class Strict(BaseModel):
    """Base for every entry: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Cite(Strict):
    """Evidence for a fact: a verbatim (whitespace-normalised) quote from a source."""

    source: Id
    quote: Text


LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Translations = dict[LanguageCode, Text]
"""Curated renderings of a name or text in other languages, keyed by language code."""


class Source(Strict):
    """A published document the knowledge base is built from."""

    id: Id
    title: Text
    publisher: Text
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    published: PartialDate
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "en"
    file: Text
    note: Text | None = None

    @field_validator("published", mode="before")
    @classmethod
    def _date_to_str(cls, value: object) -> object:
        return _coerce_date(value)


class Role(Strict):
    """A position someone can hold, e.g. the OSCE Secretary General."""

    id: Id
    name: Text
    organization: Id | None = None
    head: bool = False
    """True when the holder heads ``organization`` ("who heads ODIHR?")."""
    aliases: list[Text] = Field(default_factory=list)
    translations: Translations = Field(default_factory=dict)


class RoleHolding(Strict):
    """A person shown in a role by a source, as of that source's date."""

    role: Id
    as_of: PartialDate
    cite: Cite

    @field_validator("as_of", mode="before")
    @classmethod
    def _date_to_str(cls, value: object) -> object:
        return _coerce_date(value)


class Person(Strict):
    """A person the sources mention."""

    id: Id
    name: Text
    gender: Literal["female", "male"] | None = None
    """Used only to resolve "she"/"he" in follow-up questions."""
    aliases: list[Text] = Field(default_factory=list)
    roles: list[RoleHolding] = Field(default_factory=list)
    translations: Translations = Field(default_factory=dict)
    cite: Cite | None = None
    """Evidence that the person appears in a source, when no role carries it."""


class Organization(Strict):
    """A state, international organisation, institution or ministry."""

    id: Id
    name: Text
    kind: Literal["country", "international organization", "institution", "ministry",
                  "government", "publisher"]
    acronyms: list[Text] = Field(default_factory=list)
    aliases: list[Text] = Field(default_factory=list)
    parent: Id | None = None
    description: Text | None = None
    translations: Translations = Field(default_factory=dict)
    cite: Cite


class Fact(Strict):
    """A short statement of fact with its evidence."""

    text: Text
    cite: Cite
    translations: Translations = Field(default_factory=dict)


class Event(Strict):
    """A conference, forum or summit a meeting took place at or refers to."""

    id: Id
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    organization: Id | None = None
    date: PartialDate | None = None
    """Only when a source states it; otherwise the bot says the sources do not say."""
    date_cite: Cite | None = None
    place: Text | None = None
    place_cite: Cite | None = None
    facts: list[Fact] = Field(min_length=1)
    translations: Translations = Field(default_factory=dict)

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_str(cls, value: object) -> object:
        return _coerce_date(value)


class Topic(Strict):
    """Something discussed at a meeting."""

    text: Text
    keywords: list[Text] = Field(default_factory=list)
    cite: Cite
    translations: Translations = Field(default_factory=dict)


class Statement(Strict):
    """Something a participant said: verbatim (``direct``) or as the source reports it."""

    speaker: Id
    kind: Literal["direct", "reported"] = "direct"
    keywords: list[Text] = Field(default_factory=list)
    cite: Cite
    """For a direct statement the quote *is* the statement."""


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
    participants: list[Id] = Field(min_length=2)
    summary: Fact
    topics: list[Topic] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)
    translations: Translations = Field(default_factory=dict)

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_str(cls, value: object) -> object:
        return _coerce_date(value)


class FaqEntry(Strict):
    """A curated question (in several phrasings) and its cited answer."""

    id: Id
    questions: list[Text] = Field(min_length=1)
    answer: Text
    cites: list[Cite] = Field(min_length=1)
    translations: Translations = Field(default_factory=dict)


class Intent(Strict):
    """A class of question, with example phrasings the router learns from."""

    id: Id
    description: Text
    suggestion: Text
    """A readable question for "did you mean", with ``{person}``-style slots."""
    examples: list[Text] = Field(min_length=1)
    reply: Text | None = None
    """For conversational intents (greetings, thanks): the fixed reply."""


class KnowledgeFile(Strict):
    """One YAML file: any subset of the sections."""

    sources: list[Source] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    organizations: list[Organization] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    meetings: list[Meeting] = Field(default_factory=list)
    faq: list[FaqEntry] = Field(default_factory=list)
    intents: list[Intent] = Field(default_factory=list)


def _coerce_date(value: object) -> object:
    """Accept YAML dates (``2023-06-07`` parses as a date) and bare years as strings."""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str) and not _DATE_RE.match(value):
        raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    return value
