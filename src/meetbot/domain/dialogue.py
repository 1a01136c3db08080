"""The conversation so far: what a follow-up question can refer back to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from meetbot.domain.route import Route
from meetbot.domain.schema import Meeting


@dataclass(frozen=True, slots=True)
class Context:
    """What the conversation has been about, for follow-up questions."""

    people: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    meeting: str | None = None
    intent: str | None = None
    sources: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    date: str | None = None


NO_CONTEXT = Context()
"""The context of a first question (shared: contexts are immutable)."""


def remember(ctx: Context, route: Route) -> Context:
    """``ctx`` after ``route``: the entries it names replace those of their kind, and its
    topic words become the topic."""

    def pick(kind: str, old: tuple[str, ...]) -> tuple[str, ...]:
        ids = route.ids(kind)  # type: ignore[arg-type]
        return tuple(ids) if ids else old

    return replace(ctx, people=pick("person", ctx.people), orgs=pick("org", ctx.orgs),
                   roles=pick("role", ctx.roles), events=pick("event", ctx.events),
                   topic=route.topic)


def with_meeting(ctx: Context, route: Route, meetings: Sequence[Meeting]) -> Context:
    """``ctx`` after an answer about ``meetings``: one meeting becomes the meeting under
    discussion, with its participants and event."""
    base = remember(ctx, route)
    people, events, meeting = base.people, base.events, None
    if len(meetings) == 1:
        people = tuple(dict.fromkeys((*route.ids("person"), *meetings[0].participants)))
        events = (meetings[0].event,) if meetings[0].event else base.events
        meeting = meetings[0].id
    return replace(base, people=people, events=events, meeting=meeting)
