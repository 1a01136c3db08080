"""Answers about organisations: what one is, who heads it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from meetbot.answers.common import role_holders
from meetbot.answers.registry import Outcome, answers
from meetbot.answers.roles import head_of, holder_answer
from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context, remember
from meetbot.domain.route import Route

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine


@answers("org_head")
def org_head(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    orgs = route.ids("org") or list(ctx.orgs)
    if not orgs:
        roles = route.ids("role")
        if roles:
            return holder_answer(engine, roles[0], route, w)
        w.line("org.which")
        return Outcome(w, kind="negative")
    return head_of(engine, orgs[0], route, w)


@answers("org_info")
def org_info(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    org = engine.kb.organizations[(route.ids("org") or list(ctx.orgs))[0]]
    name = w.org_name(org.id)
    label = w.org_label(org.id)
    head = w.t("org.stands_for", acronym=label, name=name) if label != name else name
    kind = w.t(f"kind.{org.kind}")
    if org.parent:
        w.line("org.of_parent", head=head, kind=kind, parent=w.org_label(org.parent),
               cite=w.cite(org.cite))
    else:
        w.line("org.alone", head=head, kind=kind, cite=w.cite(org.cite))
    if org.description and w.lang == "en":
        w.say(org.description)
    heads = [r for r in engine.kb.roles.values() if r.organization == org.id and r.head]
    holders: list[str] = []
    for role in heads:
        rows = role_holders(engine.kb, role.id)
        if rows:
            as_of, person, cite = rows[0]
            holders.append(person.id)
            w.line("org.head", name=w.name(person.id), role=w.role(role.id),
                   date=w.date(as_of), cite=w.cite(cite))
    context = replace(remember(ctx, route), orgs=(org.id,),
                      roles=tuple(r.id for r in heads) or ctx.roles,
                      people=tuple(holders) or ctx.people)
    return Outcome(w, context=context)
