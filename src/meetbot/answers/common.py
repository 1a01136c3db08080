"""What several answer functions say alike: participants, dates, pairs, holders of roles."""

from __future__ import annotations

from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Route
from meetbot.domain.schema import Cite, Meeting, Person

LIST_LIMIT = 20
"""Longest list of meetings in one answer; the rest are counted ("and 12 more")."""


def role_holders(kb: KnowledgeBase, role_id: str) -> list[tuple[str, Person, Cite]]:
    """Every (as_of, person, cite) for ``role_id``, newest first."""
    return list(kb.lookups.holders.get(role_id, ()))


def participants(meeting: Meeting, w: Writer, exclude: str | None = None) -> str:
    """The meeting's participants (but ``exclude``) as a list."""
    return w.people([p for p in meeting.participants if p != exclude])


def when(meeting: Meeting, w: Writer) -> str:
    """"on 7 June 2023", or "in a report dated …" when the source gives only its own date."""
    key = "when.meeting" if meeting.date_kind == "meeting" else "when.report"
    return w.t(key, date=w.date(meeting.date))


def pair(kb: KnowledgeBase, route: Route, ctx: Context) -> tuple[list[str], list[Meeting]]:
    """The people a two-person question is about, and their meetings."""
    people = route.ids("person")[:2]
    if people:
        return people, kb.lookups.meetings_of(people)
    if ctx.meeting and ctx.meeting in kb.meetings:
        meeting = kb.meetings[ctx.meeting]
        return list(meeting.participants), [meeting]
    only = kb.lookups.only_meeting(route.ids("event"), route.ids("date"))
    if only is not None:  # "what was discussed in 2023": the one meeting then
        return list(only.participants), [only]
    return [], []


def with_role(person_id: str, date: str, w: Writer) -> str:
    """"Name (role)" with the role the person held at ``date`` (else their first)."""
    person = w.kb.people[person_id]
    held = [h for h in person.roles if h.as_of <= date] or list(person.roles)
    if not held:
        return w.name(person_id)
    role = max(held, key=lambda h: h.as_of).role
    return w.t("person_with_role", name=w.name(person_id), role=w.role(role))
