"""Answers about events: what an event is, when and where it was held."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from meetbot.answers.common import participants
from meetbot.answers.registry import Outcome, answers
from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context, remember
from meetbot.domain.route import Route
from meetbot.lang.catalog import translated

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine


def event_of(route: Route, ctx: Context) -> str:
    return (route.ids("event") or list(ctx.events))[0]


@answers("event_info")
def event_info(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    event = engine.kb.events[event_of(route, ctx)]
    where = w.t("event.in_place", place=event.place) if event.place else ""
    when = w.t("event.in_date", date=w.date(event.date)) if event.date else ""
    if where or when:
        cites = [c for c in (event.date_cite, event.place_cite) if c is not None]
        w.line("event.took_place", event=w.event(event.id), where=" " + where,
               when=" " + when, cites=w.cites(cites))
    for fact in event.facts:
        w.say(f"{translated(fact.text, fact.translations, w.lang)} {w.cite(fact.cite)}")
    meetings = list(engine.kb.lookups.by_event.get(event.id, ()))
    if meetings:
        w.line("event.linked", people=w.join([participants(m, w) for m in meetings]),
               cites=w.cites(m.summary.cite for m in meetings))
    return Outcome(w, context=replace(remember(ctx, route), events=(event.id,)))


@answers("event_when")
def event_when(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    event = engine.kb.events[event_of(route, ctx)]
    context = replace(remember(ctx, route), events=(event.id,))
    if event.date:
        key = "event_when.day" if len(event.date) == 10 else "event_when.year"
        w.line(key, event=w.event(event.id), date=w.date(event.date),
               cite=w.cite(event.date_cite or event.facts[0].cite))
        return Outcome(w, context=context)
    w.line("event_when.unknown", event=w.event(event.id))
    meetings = list(engine.kb.lookups.by_event.get(event.id, ()))
    if meetings:
        m = meetings[0]
        w.line("event_when.report", date=w.date(m.date),
               cite=w.cite(m.date_cite or m.summary.cite))
    return Outcome(w, kind="negative", context=context)


@answers("event_where")
def event_where(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    event = engine.kb.events[event_of(route, ctx)]
    context = replace(remember(ctx, route), events=(event.id,))
    if event.place:
        w.line("event_where.place", event=w.event(event.id), place=event.place,
               cite=w.cite(event.place_cite or event.facts[0].cite))
        return Outcome(w, context=context)
    w.line("event_where.unknown", event=w.event(event.id))
    return Outcome(w, kind="negative", context=context)
