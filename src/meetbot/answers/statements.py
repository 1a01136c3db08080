"""Answers about what was said: someone's statements (on a topic), who said a quotation."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from meetbot.answers.common import participants, when
from meetbot.answers.registry import Outcome, answers
from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context, with_meeting
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Mention, Route
from meetbot.domain.schema import Meeting, Statement
from meetbot.lang.normalize import normalize, squash_whitespace

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine


@answers("statements")
def statements(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    speaker = route.ids("person")[0]
    said = list(engine.kb.lookups.said_by.get(speaker, ()))
    topic = [*route.topic, *(topic_names(engine.kb, m) for m in route.mentions
                             if m.kind in ("event", "org", "role", "date")
                             and m.text != "(context)")]
    topic = [t for t in topic if t not in ("meeting", "there", "then")]
    others = {m.id for m in route.mentions if m.kind == "person" and m.id != speaker}
    told = [(m, s) for m, s in said if others & set(m.participants)]
    if others and said and not told:  # "what did he tell Telalian": nothing, there
        w.line("statements.none_to", name=w.name(speaker),
               others=w.join([w.name(p) for p in sorted(others)]))
        return _subjects(said, speaker, w)
    if told:
        said = told  # "what did he tell Kamp": said in their meeting
    if (ctx.meeting and set(route.words) & engine.router.words.back_references
            and any(m.id == ctx.meeting for m, _ in said)):
        said = [(m, s) for m, s in said if m.id == ctx.meeting]  # "in that meeting"
    elif not topic and not told and set(route.words) & (engine.router.words.back_references
                                            - engine.router.words.female
                                            - engine.router.words.male):
        topic = list(ctx.topic) + [engine.kb.events[e].name for e in ctx.events
                                   if e in engine.kb.events][:1]
    if not said:
        w.line("statements.none", name=w.name(speaker))
        return Outcome(w, kind="negative", context=Context(people=(speaker,)))
    if topic:
        scored = sorted(((engine.topics.score(s, topic), m, s) for m, s in said),
                        key=lambda row: -row[0])
        relevant = [(m, s) for score, m, s in scored if score >= 0.5]  # best first
        if not relevant:
            w.line("statements.none_topic", name=w.name(speaker), topic=" ".join(topic))
            return _subjects(said, speaker, w)
        said = relevant
    for _meeting, s in said[:3]:
        w.say(statement_line(speaker, s, w))
    if len(said) > 3:
        w.line("statements.more", count=len(said) - 3)
    context = replace(with_meeting(ctx, route, [said[0][0]]), topic=tuple(topic))
    return Outcome(w, context=context)


def _subjects(said: Sequence[tuple[Meeting, Statement]], speaker: str, w: Writer) -> Outcome:
    """After "no such statement": what the sources do quote ``speaker`` on."""
    subjects = sorted({k for _, s in said for k in s.keywords[:2]})
    if subjects:
        w.line("statements.subjects", name=w.surname(speaker), subjects=", ".join(subjects[:8]))
    return Outcome(w, kind="negative", context=Context(people=(speaker,)))


@answers("who_said")
def who_said(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    query = " ".join(route.topic) or " ".join(route.words)
    best: tuple[float, Meeting, Statement] | None = None
    found = engine.router.statements.best(normalize(query))
    if found is not None:
        meeting_id, index, _ = engine.router.statements.statements[found[1]]
        meeting = engine.kb.meetings[meeting_id]
        best = (found[0], meeting, meeting.statements[index])
    if best is None or best[0] < 75 or len(query) < 8:
        said = _said_in_other_words(engine, route)
        if said is not None:  # not those words, but a statement that says as much
            best = said
    if best is None or best[0] < 75 or len(query) < 8:
        quoted = " ".join(m.text for m in route.mentions if m.kind == "quote") or query
        content = [x for x in quoted.split() if x not in engine.router.words.stopwords]
        if content and all(engine.router.is_unknown(x) for x in content):
            # Only words the sources never use: a quotation from somewhere else entirely.
            w.line("out_of_scope")
            return Outcome(w, kind="decline")
        w.line("who_said.none")
        return Outcome(w, kind="negative")
    _, meeting, statement = best
    speaker = statement.speaker
    person = engine.kb.people[speaker]
    latest = max(person.roles, key=lambda h: h.as_of).role if person.roles else None
    who = (w.t("person_with_role", name=w.name(speaker), role=w.role(latest))
           if latest else w.name(speaker))
    w.line("who_said.who", who=who, others=participants(meeting, w, exclude=speaker),
           when=when(meeting, w))
    w.say(statement_line(speaker, statement, w))
    return Outcome(w, context=with_meeting(ctx, route, [meeting]))


def _said_in_other_words(engine: Engine, route: Route) -> tuple[float, Meeting,
                                                                   Statement] | None:
    """The statement the evidence finds for a quotation given in other words ("who said it
    was the last one?"), when one covers it well: (similarity 0-100, meeting, statement)."""
    reading = engine.router.read_evidence(route)
    for hit in reading.hits:
        fact = hit.fact
        if fact.kind != "statement" or fact.meeting is None:
            continue
        if hit.coverage < engine.policy.evidence_threshold or not reading.query:
            return None
        meeting = engine.kb.meetings[fact.meeting]
        for statement in meeting.statements:
            if statement.cite == fact.cite:
                return 100.0 * hit.coverage, meeting, statement
    return None


def topic_names(kb: KnowledgeBase, mention: Mention) -> str:
    """An entity named as a topic, in the words the (English) sources use for it."""
    if mention.kind == "org" and mention.id in kb.organizations:
        org = kb.organizations[mention.id]
        return " ".join([*org.acronyms[:1]] or [org.name])
    if mention.kind == "event" and mention.id in kb.events:
        return kb.events[mention.id].name
    if mention.kind == "role" and mention.id in kb.roles:
        return kb.roles[mention.id].name
    return mention.text


def statement_line(speaker: str, s: Statement, w: Writer) -> str:
    quote = squash_whitespace(s.cite.quote)
    key = "statements.direct" if s.kind == "direct" else "statements.reported"
    return w.t(key, name=w.name(speaker), quote=quote, cite=w.cite(s.cite))


class StatementTopics:
    """How much a statement speaks of a topic: its quote's and keywords' words, remembered."""

    def __init__(self) -> None:
        self._haystacks: dict[int, tuple[list[str], frozenset[str]]] = {}

    def haystack(self, statement: Statement) -> tuple[list[str], frozenset[str]]:
        """The statement's words, and their first five letters (a crude stem)."""
        key = id(statement)
        cached = self._haystacks.get(key)
        if cached is None:
            words = sorted({sys.intern(w) for w in normalize(
                " ".join((statement.cite.quote, *statement.keywords))).split()})
            cached = (words, frozenset(sys.intern(w[:5]) for w in words if len(w) >= 5))
            self._haystacks[key] = cached
        return cached

    def score(self, statement: Statement, topic: Sequence[str]) -> float:
        """Share of the topic's words the statement (quote and keywords) speaks of."""
        haystack, prefixes = self.haystack(statement)
        words = [t for t in normalize(" ".join(topic)).split() if len(t) > 2]
        if not words:
            return 0.0
        hits = 0
        for word in words:
            if word in haystack or (len(word) >= 5 and word[:5] in prefixes) or (
                    process.extractOne(word, haystack, scorer=fuzz.ratio, score_cutoff=85)):
                hits += 1
        return hits / len(words)
