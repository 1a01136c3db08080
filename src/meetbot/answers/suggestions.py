"""Readable questions: "did you mean" suggestions and example questions.

Each intent's ``suggestion`` (or the catalogue's ``suggest.<intent>`` in another language) is
a question with ``{person}``-style slots, filled from the question, the conversation or the
knowledge base; a FAQ entry suggests its first phrasing, spelt as the knowledge base spells
its names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from functools import cached_property

from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Route
from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog
from meetbot.nlu.router import OUT_OF_SCOPE

SLOT = re.compile(r"\{(person|role|org|event|date)\}")


def fill_slots(template: str, pools: Mapping[str, list[str]]) -> str | None:
    """``template`` with its n-th ``{kind}`` slot replaced by the n-th name of
    ``pools[kind]``; None when a pool runs out."""
    used: dict[str, int] = {}

    def sub(match: re.Match[str]) -> str:
        kind = match.group(1)
        index = used.get(kind, 0)
        used[kind] = index + 1
        pool = pools.get(kind, [])
        if index >= len(pool):
            raise LookupError(kind)
        return pool[index]

    try:
        return SLOT.sub(sub, template)
    except LookupError:
        return None


def as_question(text: str) -> str:
    """``text`` with a capital first letter and one question mark."""
    text = text.strip().rstrip("?.! ")
    return text[:1].upper() + text[1:] + "?"


class Suggester:
    """Writes suggestions and example questions for one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.conversational = frozenset(i.id for i in kb.intents.values() if i.reply)
        """Intents answered with a fixed reply (greetings, thanks): never suggested."""

    def template(self, intent_id: str, catalog: Catalog) -> str | None:
        """The suggestion template of ``intent_id`` in the catalogue's language."""
        if catalog.language != DEFAULT_LANGUAGE and catalog.has(f"suggest.{intent_id}"):
            return catalog.get(f"suggest.{intent_id}")
        intent = self.kb.intents.get(intent_id)
        return intent.suggestion if intent is not None else None

    def suggestions(self, route: Route, ctx: Context, catalog: Catalog,
                    limit: int = 3) -> list[str]:
        """Readable questions for the top candidates, slots filled from the question."""
        w = Writer(self.kb, catalog)
        out: list[str] = []
        for candidate in route.candidates:
            if candidate.intent == OUT_OF_SCOPE or candidate.intent in self.conversational:
                continue
            if candidate.intent.startswith("faq:"):
                faq = self.kb.faq[candidate.intent[4:]]
                text = self.display(as_question(faq.questions[0]))
            else:
                template = self.template(candidate.intent, catalog)
                if template is None:
                    continue
                text = self._fill(template, route, ctx, w) or ""
            if text and text not in out:
                out.append(text)
            if len(out) == limit:
                break
        return out

    def display(self, text: str) -> str:
        """Write acronyms and names in a curated phrasing as the knowledge base spells them."""
        spelled = self._spellings
        return re.sub(r"[\w’'-]+", lambda m: spelled.get(m.group(0).casefold(), m.group(0)),
                      text)

    @cached_property
    def _spellings(self) -> dict[str, str]:
        kb = self.kb
        spelled = {a.casefold(): a for org in kb.organizations.values() for a in org.acronyms}
        names = [p.name for p in kb.people.values()]
        names += [t for o in kb.organizations.values() for t in (o.name, *o.aliases)]
        names += [e.name for e in kb.events.values()]
        for name in names:
            for word in re.findall(r"[\w-]+", name):
                if word[:1].isupper() and word.isascii():
                    spelled.setdefault(word.casefold(), word)
        return spelled

    def _fill(self, template: str, route: Route, ctx: Context, w: Writer) -> str | None:
        kb = self.kb
        pools: dict[str, list[str]] = {
            "person": [w.name(i) for i in route.ids("person") or ctx.people if i in kb.people],
            "role": [w.role(i) for i in route.ids("role") or ctx.roles if i in kb.roles],
            "org": [w.org_label(i) for i in route.ids("org") or ctx.orgs
                    if i in kb.organizations],
            "event": [w.event(i) for i in route.ids("event") or ctx.events if i in kb.events],
            "date": [w.date(i) for i in route.ids("date")],
        }
        return fill_slots(template, pools)

    def starters(self, catalog: Catalog) -> tuple[str, ...]:
        """Example questions that have real answers, for greetings and help: the suggestion
        of each ``starter`` intent, about the first meeting's people and the roles held."""
        kb = self.kb
        w = Writer(kb, catalog)
        meetings = kb.lookups.meetings
        people = list(meetings[0].participants) if meetings else []
        held = [r.id for r in kb.roles.values()
                if any(h.role == r.id for p in kb.people.values() for h in p.roles)]
        pools = {"person": [w.name(p) for p in people], "role": [w.role(r) for r in held],
                 "org": [], "event": [], "date": []}
        out = []
        for intent in kb.intents.values():
            if not intent.starter:
                continue
            template = self.template(intent.id, catalog)
            text = fill_slots(template, pools) if template else None
            if text:
                out.append(text)
        return tuple(out)

    def examples(self, catalog: Catalog) -> tuple[str, ...]:
        """Example questions for a front end's start screen, one of each kind, in the
        catalogue's language: when the first meeting's people met, who holds the most often
        held role, whom the busiest person met, what the first meeting's people discussed,
        who heads an organisation, the list of meetings. Whether the knowledge base answers
        each is for the caller to check."""
        kb = self.kb
        w = Writer(kb, catalog)
        meetings = sorted(kb.meetings.values(), key=lambda m: m.date)
        met = Counter(p for m in meetings for p in m.participants)
        first = [w.name(p) for p in (meetings[0].participants if meetings else [])
                 if p in kb.people]
        busiest = [w.name(p) for p, _ in met.most_common(1) if p in kb.people]
        held = Counter(h.role for p in kb.people.values() for h in p.roles)
        roles = [w.role(r) for r, _ in held.most_common() if r in kb.roles]
        orgs = [w.org_label(o.id) for o in kb.organizations.values() if o.acronyms]
        plan: list[tuple[str, dict[str, list[str]]]] = [
            ("meeting_date", {"person": first}),
            ("role_holder", {"role": roles}),
            ("person_meetings", {"person": busiest}),
            ("meeting_topics", {"person": first}),
            ("org_head", {"org": orgs[1:] + orgs[:1]}),
            ("list_meetings", {}),
        ]
        out: list[str] = []
        for intent_id, pools in plan:
            template = self.template(intent_id, catalog)
            question = fill_slots(template, pools) if template else None
            if question and question not in out:
                out.append(question)
        return tuple(out)
