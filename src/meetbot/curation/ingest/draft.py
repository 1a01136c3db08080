"""Writing a draft: the YAML a curator reviews, and the summary ``meetbot ingest`` prints.

Every ``cite`` quote is cut from the document and verified against it before it is written;
entries the knowledge base already has are shown as ``# matches existing ...`` comments
instead of being drafted again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import yaml

from meetbot.curation.ingest.document import Document, Span
from meetbot.curation.ingest.entities import DocPerson, Draft, Held, unique
from meetbot.curation.ingest.errors import Unverified
from meetbot.curation.ingest.language import Vocabulary, word_key
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.normalize import normalize, transliterate


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar on one line."""
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=2**31 - 1)
    return dumped.strip().removesuffix("...").strip()


class DraftWriter:
    """Writes a :class:`Draft` as YAML, and the summary of what it holds."""

    def __init__(self, kb: KnowledgeBase, doc: Document, draft: Draft,
                 vocab: Vocabulary) -> None:
        self.kb = kb
        self.doc = doc
        self.draft = draft
        self.vocab = vocab

    def cite(self, span: Span, indent: int) -> list[str]:
        """A ``cite:`` block for ``span``; raises if the quote is not in the document."""
        quote = self.doc.at(span)
        if not self.doc.verify(quote):  # pragma: no cover - spans come from the text
            raise Unverified(quote)
        pad = " " * indent
        return [f"{pad}cite:", f"{pad}  source: {self.draft.source_id}",
                f"{pad}  quote: {yaml_string(quote)}"]

    def render(self, *, title: str) -> str:
        """The draft file's text."""
        today = datetime.now(UTC).date().isoformat()
        out = [
            f"# DRAFT for source {self.draft.source_id}",
            f"#   {title}",
            f"# Written by `meetbot ingest` on {today}.",
            "# status: draft",
            "#",
            "# NOT SERVED. The bot answers only from the YAML files directly in knowledge/;",
            "# nothing in knowledge/drafts/ reaches users. Review every entry against",
            f"#   sources/{self.draft.source_id}.txt",
            "# move what is right into people.yaml, roles.yaml, organizations.yaml and",
            "# meetings.yaml (renaming the draft- ids; add aliases, translations and keywords),",
            "# then delete this file and run `meetbot check` (it lists what each draft still",
            "# needs). Found by text patterns: expect gaps and mistakes, and check every",
            "# statement's speaker. Every cite quote below was verified against the source text.",
            "#",
        ]
        if self.draft.found_date is not None:
            out.append(f"# Date: {self.draft.published} (the text says "
                       f"{self.doc.at(self.draft.found_date.span)!r})")
        else:
            out.append(f"# Date: {self.draft.published} (given with --date)")
        for event in self.draft.events:
            out.append(f"# The text mentions event {event!r}: set `event: {event}` on the "
                       "meetings that were part of it.")
        out.append("")
        out += self._render_people()
        out += self._render_roles()
        out += self._render_orgs()
        out += self._render_meetings()
        return "\n".join(out).rstrip("\n") + "\n"

    def _render_people(self) -> list[str]:
        out: list[str] = []
        items: list[str] = []
        for person in self.draft.people:
            if person.kb_id:
                out += self._known_person(person)
                continue
            items.append(f"  - id: {person.draft_id}")
            items.append(f"    name: {yaml_string(person.name)}")
            head = next((w for w in (person.title or "").split()
                         if word_key(w) in self.vocab.title_heads), None)
            latin = transliterate(person.name).title()
            cyrillic = normalize(latin) != normalize(person.name)
            aliases = unique([person.surname,
                              *([f"{head} {person.surname}"] if head and not cyrillic else []),
                              *([latin] if cyrillic else [])])
            items.append(f"    aliases: [{', '.join(yaml_string(a) for a in aliases)}]")
            if person.gender:
                items.append(f"    gender: {person.gender}  # from {person.gender_cue}")
            if person.held:
                items.append("    roles:")
                for held in person.held:
                    items.append(f"      # found as: {yaml_string(self.doc.at(held.span))}")
                    items += self._holding(held, 6)
            else:
                items += self.cite(person.name_span, 4)
            if not person.gender:
                items.append("    # gender: female | male  (only if the source shows it)")
            items.append("    # translations: {ru: ...}")
            items.append("")
        return _section("people", out, items)

    def _known_person(self, person: DocPerson) -> list[str]:
        kb_id = person.kb_id or ""
        where = self.kb.where("people", kb_id)
        out = [f"# matches existing person {kb_id} ({where.file}:{where.line}), named "
               f"{person.name!r}" + (f" as {person.title!r}" if person.title else "")]
        held = {h.role for h in self.kb.people[kb_id].roles}
        for holding in person.held:
            if holding.role_id and holding.role_id not in held:
                out.append("#   if the title is new for them, add to its roles:")
                out += [f"#   {line}" for line in self._holding(holding, 2)]
            elif holding.role_id:
                out.append(f"#   (already holds {holding.role_id}; add a holding with as_of "
                           f"{self.draft.published} only if you want this source cited)")
        return out

    def _holding(self, held: Held, indent: int) -> list[str]:
        pad = " " * indent
        return [f"{pad}- role: {held.role_id}",
                f"{pad}  as_of: {yaml_string(self.draft.published)}",
                *self.cite(held.span, indent + 2)]

    def _render_roles(self) -> list[str]:
        items: list[str] = []
        for role in self.draft.roles:
            items.append(f"  - id: {role.draft_id}")
            items.append(f"    name: {yaml_string(role.name)}")
            if role.organization:
                items.append(f"    organization: {role.organization}")
            items.append("    # head: true  (if the holder heads the organisation)")
            items.append("    # aliases: [...]; translations: {ru: ...}")
            items.append("")
        return _section("roles", [], items)

    def _render_orgs(self) -> list[str]:
        out: list[str] = []
        items: list[str] = []
        for org in self.draft.orgs:
            if org.kb_id:
                where = self.kb.where("organizations", org.kb_id)
                known = self.kb.organizations[org.kb_id]
                note = "" if org.acronym in known.acronyms else " (acronym not yet listed)"
                out.append(f"# matches existing organization {org.kb_id} ({where.file}:"
                           f"{where.line}): {self.doc.at(org.span)!r}{note}")
                continue
            items.append(f"  - id: {org.draft_id}")
            items.append(f"    name: {yaml_string(org.name)}")
            items.append(f"    kind: {self._org_kind(org.name)}")
            if org.acronym:
                items.append(f"    acronyms: [{yaml_string(org.acronym)}]")
            if org.parent:
                items.append(f"    parent: {org.parent}")
            items += self.cite(org.span, 4)
            items.append("    # description: ...; translations: {ru: ...}")
            items.append("")
        return _section("organizations", out, items)

    def _render_meetings(self) -> list[str]:
        out: list[str] = []
        items: list[str] = []
        for meeting in self.draft.meetings:
            names = [p.name for p in meeting.participants]
            if meeting.kb_match:
                where = self.kb.where("meetings", meeting.kb_match)
                out.append(f"# matches existing meeting {meeting.kb_match} ({where.file}:"
                           f"{where.line}): {' and '.join(names)}")
                if meeting.topics or meeting.statements:
                    out.append("#   what this source adds, if it is not there yet:")
                for topic in meeting.topics:
                    out.append(f"#     - text: {yaml_string(self.doc.at(topic))}")
                    out += [f"#   {line}" for line in self.cite(topic, 4)]
                for said in meeting.statements:
                    out.append(f"#     - speaker: {said.speaker.ref}  # {said.how}")
                    out.append(f"#       kind: {said.kind}")
                    out += [f"#   {line}" for line in self.cite(said.span, 4)]
                continue
            items.append(f"  - id: {meeting.draft_id}")
            items.append(f"    title: {yaml_string(self._title(names))}")
            items.append(f"    date: {yaml_string(meeting.date)}")
            items.append(f"    date_kind: {meeting.date_kind}"
                         + ("  # the source's date; the meeting may be earlier"
                            if meeting.date_kind == "report" else
                            "  # the date the text gives for the meeting"))
            if meeting.date_span is not None:
                items.append("    date_cite:")
                items += self.cite(meeting.date_span, 4)[1:]
            if meeting.place and meeting.place_span:
                items.append(f"    place: {yaml_string(meeting.place)}  # from the dateline: "
                             "check it is where they met")
                items.append("    place_cite:")
                items += self.cite(meeting.place_span, 4)[1:]
            items.append(f"    participants: [{', '.join(p.ref for p in meeting.participants)}]")
            items.append("    summary:")
            items.append(f"      text: {yaml_string(self.doc.at(meeting.sentence))}")
            items += self.cite(meeting.sentence, 6)
            if meeting.topics:
                items.append("    topics:")
                for topic in meeting.topics:
                    items.append(f"      - text: {yaml_string(self.doc.at(topic))}")
                    items += self.cite(topic, 8)
            if meeting.statements:
                items.append("    statements:")
                for said in meeting.statements:
                    items.append(f"      - speaker: {said.speaker.ref}  # {said.how}")
                    items.append(f"        kind: {said.kind}")
                    items += self.cite(said.span, 8)
            items.append("")
        for loose, quote, how in self.draft.loose_statements:
            who = loose.ref if loose else "TODO"
            out.append(f"# a quotation with no meeting to attach it to ({how}):")
            out.append(f"#   - speaker: {who}")
            out.append("#     kind: direct")
            out += [f"#   {line}" for line in self.cite(quote, 2)]
        return _section("meetings", out, items)

    def _title(self, names: list[str]) -> str:
        return self.vocab.meeting_title.format(first=names[0], others=_join(names[1:]),
                                               all=_join(names, self.vocab.and_word))

    def _org_kind(self, name: str) -> str:
        words = {word_key(w) for w in name.split()}
        for kind, marks in self.vocab.org_kinds.items():
            if words & marks:
                return kind
        return "institution"


def _section(name: str, notes: list[str], items: list[str]) -> list[str]:
    """The draft's section ``name``: the ``notes`` (comments on what the knowledge base has
    already), then the drafted ``items`` (each ending in a blank line), or an empty list."""
    return [*notes, *([""] if notes else []), f"{name}:" if items else f"{name}: []",
            *(items or [""])]


def _join(names: Sequence[str], word: str = "and") -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {word} " + names[-1]
