"""Answers about people: who someone is, who is in the knowledge base."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from meetbot.answers.common import participants, role_holders
from meetbot.answers.registry import Outcome, answers
from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context, remember
from meetbot.domain.route import Route

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine


@answers("who_is")
def who_is(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    person_id = route.ids("person")[0]
    person = engine.kb.people[person_id]
    holdings = sorted(person.roles, key=lambda h: h.as_of, reverse=True)
    if not holdings and person.cite:
        w.line("who_is.mentioned", name=w.name(person_id), cite=w.cite(person.cite))
    for index, holding in enumerate(holdings):
        key = "who_is.role" if index == 0 else "who_is.also_role"
        w.line(key, name=w.name(person_id), role=w.role(holding.role),
               date=w.date(holding.as_of), cite=w.cite(holding.cite))
        later = [row for row in role_holders(engine.kb, holding.role)
                 if row[0] > holding.as_of and row[1].id != person.id]
        if later:
            as_of, successor, successor_cite = later[0]
            w.line("who_is.successor", date=w.date(as_of), role=w.role(holding.role),
                   name=w.name(successor.id), cite=w.cite(successor_cite))
    meetings = engine.kb.lookups.meetings_of([person_id])
    if meetings:
        others = [participants(m, w, exclude=person_id) for m in meetings]
        w.line("who_is.met", name=w.surname(person_id), others=w.join(others))
    roles = tuple(h.role for h in holdings)
    orgs = tuple(o for o in (engine.kb.roles[r].organization for r in roles) if o)
    context = replace(remember(ctx, route), people=(person_id,),
                      roles=roles or ctx.roles, orgs=orgs or ctx.orgs, meeting=None)
    return Outcome(w, context=context,
                   follow_ups=(w.t("follow.whom_met", name=w.name(person_id)),))


@answers("list_people")
def list_people(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    people = sorted(engine.kb.people.values(), key=lambda p: p.name.split()[-1])
    w.line("people.header", count=len(people))
    lines = []
    for person in people:
        if person.roles:
            holding = max(person.roles, key=lambda h: h.as_of)
            lines.append(w.t("people.line", name=w.name(person.id),
                             role=w.role(holding.role), date=w.date(holding.as_of),
                             cite=w.cite(holding.cite)))
        elif person.cite:
            lines.append(w.t("people.line_plain", name=w.name(person.id),
                             cite=w.cite(person.cite)))
    w.say("\n".join(lines))
    return Outcome(w)
