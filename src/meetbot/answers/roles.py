"""Answers about roles: who holds a role, at a date or now."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from meetbot.answers.common import role_holders
from meetbot.answers.registry import Outcome, answers
from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import date_in
from meetbot.domain.route import Route

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine


@answers("role_holder")
def role_holder(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    roles = route.ids("role") or list(ctx.roles)
    if not roles:
        orgs = route.ids("org") or list(ctx.orgs)
        if orgs:
            return head_of(engine, orgs[0], route, w)
        w.line("org.which")
        return Outcome(w, kind="negative")
    return holder_answer(engine, roles[0], route, w)


@answers("holds_role")
def holds_role(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    """Say whether the person holds (or held, at the date asked) the role: yes with the
    quote; else no, with who the sources say held it then and what the person was."""
    people = route.ids("person") or list(ctx.people)
    roles = route.ids("role") or list(ctx.roles)
    if not people or not roles:
        return role_holder(engine, route, ctx, w)
    person_id, role_id = people[0], roles[0]
    rows = role_holders(engine.kb, role_id)
    dates = route.ids("date")
    period = dates[0] if dates else None
    asked = [r for r in rows if date_in(r[0], period)] if period else rows[:1]
    context = Context(people=(person_id,), roles=(role_id,),
                      orgs=tuple(o for o in (engine.kb.roles[role_id].organization,) if o))
    if asked and asked[0][1].id == person_id:
        as_of, _, cite = asked[0]
        if period:
            w.line("holds_role.yes_in_period", period=w.date(period), name=w.name(person_id),
                   role=w.role(role_id), date=w.date(as_of), cite=w.cite(cite))
        else:
            w.line("holds_role.yes", date=w.date(as_of), name=w.name(person_id),
                   role=w.role(role_id), cite=w.cite(cite))
        return Outcome(w, context=context)
    if asked:  # someone else held it then; without a holder then, the sources do not say
        w.line("holds_role.no")
    holder_answer(engine, role_id, route, w)
    own = [h for h in engine.kb.people[person_id].roles if h.role != role_id
           and (period is None or date_in(h.as_of, period))]
    if own:
        holding = max(own, key=lambda h: h.as_of)
        w.line("who_is.role", name=w.name(person_id), role=w.role(holding.role),
               date=w.date(holding.as_of), cite=w.cite(holding.cite))
    return Outcome(w, kind="negative", context=context)


def holder_answer(engine: Engine, role_id: str, route: Route, w: Writer) -> Outcome:
    role = engine.kb.roles[role_id]
    rows = role_holders(engine.kb, role_id)
    dates = route.ids("date")
    context = Context(people=tuple(dict.fromkeys(r[1].id for r in rows)),
                      roles=(role_id,),
                      orgs=(role.organization,) if role.organization else ())
    if not rows:
        w.line("role.none", role=w.role(role_id))
        return Outcome(w, kind="negative", context=context)
    if dates:
        period = dates[0]
        label = w.date(period)
        in_period = [r for r in rows if date_in(r[0], period)]
        before = [r for r in rows if r[0] < period]
        if in_period:
            as_of, person, cite = in_period[0]
            w.line("role.in_period", period=label, role=w.role(role_id),
                   name=w.name(person.id), date=w.date(as_of), cite=w.cite(cite))
            return Outcome(w, context=replace(context, people=(person.id,)))
        if before:
            as_of, person, cite = before[0]
            w.line("role.before", period=label, name=w.name(person.id),
                   role=w.role(role_id), date=w.date(as_of), cite=w.cite(cite))
        else:
            as_of, person, cite = rows[-1]
            w.line("role.after", role=w.role(role_id), period=label,
                   name=w.name(person.id), date=w.date(as_of), cite=w.cite(cite))
        return Outcome(w, kind="negative", context=context)
    as_of, person, cite = rows[0]
    w.line("role.latest", date=w.date(as_of), role=w.role(role_id),
           name=w.name(person.id), cite=w.cite(cite))
    earlier = [r for r in rows if r[1].id != person.id]
    if earlier:
        e_as_of, e_person, e_cite = earlier[0]
        w.line("role.earlier", date=w.date(e_as_of), name=w.name(e_person.id),
               cite=w.cite(e_cite))
    return Outcome(w, context=replace(context, people=(person.id,)))


def head_of(engine: Engine, org_id: str, route: Route, w: Writer) -> Outcome:
    heads = [r for r in engine.kb.roles.values() if r.organization == org_id and r.head]
    if not heads:
        w.line("org.no_head", org=w.org_name(org_id))
        return Outcome(w, kind="negative", context=Context(orgs=(org_id,)))
    return holder_answer(engine, heads[0].id, route, w)
