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
from meetbot.curation.ingest.entities import DocPerson, Draft, unique
from meetbot.curation.ingest.errors import Unverified
from meetbot.curation.ingest.vocabulary import ORG_KINDS, TITLE_HEADS
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.errors import Problem
from meetbot.lang.normalize import normalize


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar on one line."""
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=2**31 - 1)
    return dumped.strip().removesuffix("...").strip()


class DraftWriter:
    """Writes a :class:`Draft` as YAML, and the summary of what it holds."""

    def __init__(self, kb: KnowledgeBase, doc: Document, draft: Draft) -> None:
        self.kb = kb
        self.doc = doc
        self.draft = draft

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
            "#",
            "# NOT SERVED. The bot answers only from the YAML files directly in knowledge/;",
            "# nothing in knowledge/drafts/ reaches users. Review every entry against",
            f"#   sources/{self.draft.source_id}.txt",
            "# move what is right into people.yaml, roles.yaml, organizations.yaml and",
            "# meetings.yaml (renaming the draft- ids; add aliases, translations and keywords),",
            "# then delete this file and run `meetbot check`.",
            "# Found by simple text patterns: expect gaps and mistakes. Every cite quote below",
            "# was verified against the source text.",
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
            cite_span = person.found_span or person.name_span
            if person.kb_id:
                where = self.kb.where("people", person.kb_id)
                out.append(f"# matches existing person {person.kb_id} ({where.file}:"
                           f"{where.line}), named {person.name!r}"
                           + (f" as {person.title!r}" if person.title else ""))
                held = {h.role for h in self.kb.people[person.kb_id].roles}
                if person.role_id and person.role_id not in held:
                    out.append("#   if the title is new for them, add to its roles:")
                    out += [f"#   {line}" for line in self._holding(person, cite_span, 2)]
                elif person.role_id:
                    out.append(f"#   (already holds {person.role_id}; add a holding with as_of "
                               f"{self.draft.published} only if you want this source cited)")
                continue
            items.append(f"  - id: {person.draft_id}")
            items.append(f"    name: {yaml_string(person.name)}")
            head = next((w for w in (person.title or "").split() if w.lower() in TITLE_HEADS),
                        None)
            aliases = unique([person.surname, *([f"{head} {person.surname}"] if head else [])])
            items.append(f"    aliases: [{', '.join(yaml_string(a) for a in aliases)}]")
            if person.title:
                items.append(f"    # found as: {yaml_string(self.doc.at(cite_span))}")
            if person.role_id:
                items.append("    roles:")
                items += self._holding(person, cite_span, 6)
            else:
                items += self.cite(person.name_span, 4)
            items.append("    # gender: female | male  (only if the source shows it)")
            items.append("    # translations: {ru: ...}")
            items.append("")
        if out:
            out.append("")
        out.append("people:" if items else "people: []")
        return out + items + ([""] if not items else [])

    def _holding(self, person: DocPerson, span: Span, indent: int) -> list[str]:
        pad = " " * indent
        return [f"{pad}- role: {person.role_id}",
                f"{pad}  as_of: {yaml_string(self.draft.published)}",
                *self.cite(span, indent + 2)]

    def _render_roles(self) -> list[str]:
        if not self.draft.roles:
            return ["roles: []", ""]
        out = ["roles:"]
        for role in self.draft.roles:
            out.append(f"  - id: {role.draft_id}")
            out.append(f"    name: {yaml_string(role.name)}")
            if role.organization:
                out.append(f"    organization: {role.organization}")
            out.append("    # head: true  (if the holder heads the organisation)")
            out.append("    # aliases: [...]; translations: {ru: ...}")
            out.append("")
        return out

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
            items.append(f"    kind: {_org_kind(org.name)}")
            items.append(f"    acronyms: [{yaml_string(org.acronym)}]")
            if org.parent:
                items.append(f"    parent: {org.parent}")
            items += self.cite(org.span, 4)
            items.append("    # description: ...; translations: {ru: ...}")
            items.append("")
        if out:
            out.append("")
        out.append("organizations:" if items else "organizations: []")
        return out + items + ([""] if not items else [])

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
                for speaker, quote, how in meeting.statements:
                    out.append(f"#     - speaker: {speaker.ref}  # {how}")
                    out.append("#       kind: direct")
                    out += [f"#   {line}" for line in self.cite(quote, 4)]
                continue
            items.append(f"  - id: {meeting.draft_id}")
            items.append(f"    title: {yaml_string(f'{names[0]} meets {_join(names[1:])}')}")
            items.append(f"    date: {yaml_string(meeting.date)}")
            items.append(f"    date_kind: {meeting.date_kind}"
                         + ("  # the source's date; the meeting may be earlier"
                            if meeting.date_kind == "report" else ""))
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
                for speaker, quote, how in meeting.statements:
                    items.append(f"      - speaker: {speaker.ref}  # {how}")
                    items.append("        kind: direct")
                    items += self.cite(quote, 8)
            items.append("")
        for loose, quote, how in self.draft.loose_statements:
            who = loose.ref if loose else "TODO"
            out.append(f"# a quotation with no meeting to attach it to ({how}):")
            out.append(f"#   - speaker: {who}")
            out.append("#     kind: direct")
            out += [f"#   {line}" for line in self.cite(quote, 2)]
        if out:
            out.append("")
        out.append("meetings:" if items else "meetings: []")
        return out + items

    # -- summary -----------------------------------------------------------------------
    def summary(self, *, source: str, sources_yaml: str, entry_line: int, draft: str,
                title: str, published: str, date_given: bool, nbytes: int,
                problems: Sequence[Problem]) -> str:
        """What ``meetbot ingest`` prints."""
        new_people = [p.draft_id for p in self.draft.people if not p.kb_id]
        known_people = [p.kb_id for p in self.draft.people if p.kb_id]
        new_orgs = [o.draft_id for o in self.draft.orgs if not o.kb_id]
        known_orgs = [o.kb_id for o in self.draft.orgs if o.kb_id]
        new_meetings = [m.draft_id for m in self.draft.meetings if not m.kb_match]
        statements = sum(len(m.statements) for m in self.draft.meetings)
        date_note = ("from --date" if date_given else
                     f"found in the text: {self.doc.at(self.draft.found_date.span)!r}"
                     if self.draft.found_date else "")
        lines = [
            f"Registered source {self.draft.source_id!r} in {sources_yaml}:{entry_line}",
            f"  text:      {source} ({nbytes} bytes, copied verbatim)",
            f"  title:     {title!r}",
            f"  published: {published} ({date_note})",
            f"Draft written: {draft} (not served until you move its entries into the "
            "knowledge files)",
            f"  people:        {_listing(new_people, 'new')}; {_listing(known_people, 'known')}",
            f"  roles:         {_listing([r.draft_id for r in self.draft.roles], 'new')}",
            f"  organisations: {_listing(new_orgs, 'new')}; {_listing(known_orgs, 'known')}",
            f"  meetings:      {_listing(new_meetings, 'candidate')}",
            f"  statements:    {statements} quoted"
            + (f", {len(self.draft.loose_statements)} without a meeting (commented out)"
               if self.draft.loose_statements else ""),
        ]
        if problems:
            lines.append(f"The draft has {len(problems)} problem(s):")
            lines += [f"  {p}" for p in problems]
        else:
            lines.append("  every cite quote verified against the source text; "
                         "`meetbot check` passes")
        lines.append("Next: review the draft, move what is right into knowledge/*.yaml, delete "
                     "the draft, then run `meetbot check`.")
        return "\n".join(lines)



def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _listing(ids: Sequence[str | None], label: str) -> str:
    shown = [i for i in ids if i]
    if not shown:
        return f"0 {label}"
    return f"{len(shown)} {label} ({', '.join(shown)})"


def _org_kind(name: str) -> str:
    words = set(normalize(name).split())
    for kind, marks in ORG_KINDS:
        if words & marks:
            return kind
    return "institution"
