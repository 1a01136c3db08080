"""Answers from evidence: the facts that answer a question, quoted; yes or no with the quote.

A fact found by :mod:`meetbot.nlu.evidence` is said the way its kind reads best: a statement
as what its speaker said, a topic as what the participants discussed, a role as who holds
it, anything else in the knowledge base's curated words (or the source's own) with its cite.
A yes/no question is answered "yes" with the quote that shows it, or "no" with what the
sources do record about the people and things it names.
"""

from __future__ import annotations

from meetbot.answers.registry import Outcome
from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context
from meetbot.domain.route import Route
from meetbot.lang.catalog import translated
from meetbot.lang.normalize import squash_whitespace
from meetbot.nlu.evidence import Fact
from meetbot.nlu.reading import EvidenceReading

EVIDENCE_INTENT = "evidence"
"""The intent an answer from a curated fact reports (``ask --json``)."""
PASSAGE_INTENT = "passage"
"""The intent an answer quoting a bare source sentence reports."""


def fact_line(fact: Fact, w: Writer) -> str:
    """One fact as a sentence in the writer's language, with its citation."""
    cite = w.cite(fact.cite)
    quote = squash_whitespace(fact.cite.quote)
    text = translated(fact.text, dict(fact.translations), w.lang)
    speaker = fact.speaker
    if fact.kind == "statement" and speaker is not None and speaker in w.kb.people:
        key = "statements.direct" if fact.direct else "statements.reported"
        return w.t(key, name=w.name(speaker), quote=quote, cite=cite)
    if fact.kind == "role" and fact.people and fact.people[0] in w.kb.people:
        roles = [i for kind, i in fact.entities if kind == "role" and i in w.kb.roles]
        if roles:
            return w.t("who_is.role", name=w.name(fact.people[0]), role=w.role(roles[0]),
                       date=w.date(fact.date), cite=cite)
    if fact.kind == "topic":
        return w.t("evidence.topic", people=w.people(fact.people), topic=text, cite=cite)
    if fact.kind in ("summary", "event", "faq"):
        return f"{text} {cite}"
    if fact.kind == "sentence":  # a sentence no curator has read: said to be one
        return w.t("passage", quote=quote, cite=cite)
    return w.t("evidence.says", quote=quote, cite=cite)


def confidence(reading: EvidenceReading) -> float:
    """How sure an answer from ``reading`` is: its best fact's coverage, halved for a bare
    source sentence (quoted, not curated)."""
    best = reading.best
    if best is None:
        return 0.0
    return best.coverage * (0.5 if best.fact.kind == "sentence" else 1.0)


def intent_of(reading: EvidenceReading) -> str:
    """The intent an answer from ``reading`` reports: ``passage`` for a bare source
    sentence, else ``evidence``."""
    best = reading.best
    return PASSAGE_INTENT if best is not None and best.fact.kind == "sentence" else (
        EVIDENCE_INTENT)


def evidence_answer(route: Route, ctx: Context, w: Writer, reading: EvidenceReading, *,
                    yes: bool = False, limit: int = 1) -> Outcome:
    """Say the best facts of ``reading`` (``yes``: as the evidence for "Yes.")."""
    lines = [fact_line(hit.fact, w) for hit in reading.hits[:limit]]
    if yes:
        w.line("evidence.yes")
    for line in dict.fromkeys(lines):
        w.say(line)
    return Outcome(w, context=_remembered(route, ctx, reading), intent=intent_of(reading))


def no_answer(route: Route, ctx: Context, w: Writer, reading: EvidenceReading) -> Outcome:
    """Say "No": the sources do not record it; then what they do record about it."""
    w.line("evidence.no")
    if reading.hits:
        w.line("evidence.instead")
        w.say(fact_line(reading.hits[0].fact, w))
    return Outcome(w, kind="negative", context=_remembered(route, ctx, reading),
                   intent=intent_of(reading))


def _remembered(route: Route, ctx: Context, reading: EvidenceReading) -> Context:
    """The conversation after an answer from evidence: its meeting, if it has one."""
    fact = reading.hits[0].fact if reading.hits else None
    if fact is None or fact.meeting is None:
        return Context(people=reading.people or ctx.people, orgs=tuple(route.ids("org")),
                       events=tuple(route.ids("event")), topic=route.topic)
    return Context(people=tuple(dict.fromkeys((*reading.people, *fact.people))),
                   meeting=fact.meeting, topic=route.topic,
                   orgs=tuple(route.ids("org")), events=tuple(route.ids("event")))


def unstated_answer(route: Route, ctx: Context, w: Writer, reading: EvidenceReading) -> Outcome:
    """Say the sources do not say it, then what they do record about the people the question
    names; or, when it names someone the knowledge base does not know, say that alone."""
    kb = w.kb
    if route.names:  # someone else: said plainly, and nothing about anyone else is offered
        w.line("unknown_words", names=", ".join(f"“{n}”" for n in route.names[:3]))
        w.line("not_covered")
        return Outcome(w, kind="decline", context=ctx)
    named = [w.name(p) for p in reading.people if p in kb.people]
    if named:
        w.line("unstated.about", names=w.join(named))
    else:
        w.line("unstated.not_said")
    for person in [p for p in reading.people if p in kb.people][:2]:
        met = kb.lookups.meetings_of([person])
        if met:
            others = w.join([w.people(q for q in m.participants if q != person) for m in met])
            w.line("unstated.met", name=w.surname(person), others=others,
                   cites=w.cites(m.summary.cite for m in met))
    if not reading.people and reading.hits:
        w.line("evidence.instead")
        w.say(fact_line(reading.hits[0].fact, w))
    return Outcome(w, kind="decline", context=ctx)


def confirms(route: Route, w: Writer) -> bool:
    """True when the answer written so far names every entry the question names: a
    structured answer to a yes/no question ("is ODIHR part of the OSCE?") then says yes."""
    kb = w.kb
    text = w.text.casefold()
    for mention in route.mentions:
        if mention.text == "(context)" or mention.kind in ("date", "quote"):
            continue
        if mention.kind == "person" and mention.id in kb.people:
            shown = [w.name(mention.id), w.surname(mention.id)]
        elif mention.kind == "role" and mention.id in kb.roles:
            shown = [w.role(mention.id)]
        elif mention.kind == "org" and mention.id in kb.organizations:
            shown = [w.org_label(mention.id), w.org_name(mention.id)]
        elif mention.kind == "event" and mention.id in kb.events:
            shown = [w.event(mention.id)]
        else:
            return False
        if not any(name.casefold() in text for name in shown):
            return False
    return True
