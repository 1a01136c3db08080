"""What drafting finds in a document: people, organisations, roles, meetings and statements.

Each holds the :class:`~meetbot.curation.ingest.document.Span` of the text it was found in, so
the draft cites the document verbatim. A :class:`Draft` is everything found in one document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from meetbot.curation.ingest.document import FoundDate, Span


@dataclass
class Held:
    """A role a person is shown in: the title as written, and the role it is."""

    title: str
    span: Span
    """Where the title and the name are written together ("Secretary General Helga Schmid")."""
    title_span: Span
    """Where the title alone is written."""
    role_id: str | None = None
    is_new: bool = False


@dataclass
class DocPerson:
    """A person found in the document."""

    name: str
    name_span: Span
    kb_id: str | None = None
    draft_id: str = ""
    held: list[Held] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    """Every title the person is shown with (a role's, or its shorter forms)."""
    gender: str | None = None
    gender_cue: str = ""
    """What in the text tells the gender ("For her part, ...")."""

    @property
    def title(self) -> str | None:
        """The longest title the person is shown with."""
        return max((h.title for h in self.held), key=len, default=None)

    @property
    def surname(self) -> str:
        """The last word of the name."""
        return self.name.split()[-1]

    @property
    def ref(self) -> str:
        """The id to use in references: the knowledge base's, or the draft's."""
        return self.kb_id or self.draft_id


@dataclass
class DocOrg:
    """An organisation named in the document: "Full Name (ACR)", or a name on its own."""

    name: str
    acronym: str | None
    span: Span
    kb_id: str | None = None
    draft_id: str = ""
    parent: str | None = None


@dataclass
class DocRole:
    """A title not yet in the knowledge base."""

    draft_id: str
    name: str
    organization: str | None


@dataclass(frozen=True)
class Mention:
    """A reference to a person in the text (by name, surname, title or pronoun)."""

    start: int
    end: int
    person: DocPerson


@dataclass
class Statement:
    """What a person said: their words quoted (direct) or the text's account (reported)."""

    speaker: DocPerson
    span: Span
    how: str
    """How the speaker was found (a comment for the curator)."""
    kind: str = "direct"


@dataclass
class DocMeeting:
    """A candidate meeting."""

    participants: list[DocPerson]
    sentence: Span
    mentions: list[int] = field(default_factory=list)
    topics: list[Span] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    draft_id: str = ""
    kb_match: str | None = None
    date: str = ""
    date_kind: str = "report"
    date_span: Span | None = None
    place: str | None = None
    place_span: Span | None = None



@dataclass
class Draft:
    """Everything drafting found in one document, ready to be written out."""

    source_id: str
    published: str
    found_date: FoundDate | None
    """Where the text states the publication date (None when given with --date)."""
    people: list[DocPerson] = field(default_factory=list)
    roles: list[DocRole] = field(default_factory=list)
    orgs: list[DocOrg] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    meetings: list[DocMeeting] = field(default_factory=list)
    loose_statements: list[tuple[DocPerson | None, Span, str]] = field(default_factory=list)
    meeting_date: FoundDate | None = None
    """A date the text gives for the meetings ("On 10 February 2026, ... held meetings")."""
    """Quotations with no meeting to attach them to (the speaker, if found)."""
    events: list[str] = field(default_factory=list)
    """Ids of the knowledge base's events the text mentions."""


def unique(items: Iterable[Any]) -> list[Any]:
    """``items`` without repeats, in order."""
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
