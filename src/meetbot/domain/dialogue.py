"""The conversation so far: what a follow-up question can refer back to."""

from __future__ import annotations

from dataclasses import dataclass


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
