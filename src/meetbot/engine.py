"""The answering engine: question (+ conversation context) in, :class:`Answer` out.

Plain synchronous Python with no Telegram import; every front end calls
:meth:`Engine.ask`. Each question class has one answer function below, written against the
knowledge base's structure, never against particular question strings.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from .answer import Answer, Citation
from .knowledge import KnowledgeBase
from .normalize import MAX_QUESTION_CHARS, clean, normalize, squash_whitespace
from .passages import PassageIndex
from .router import STOPWORDS, Context, Mention, Route, Router
from .schema import Cite, Meeting, Person, Role, Statement

ANSWER_THRESHOLD = 0.60
"""Route confidence at or above which the bot answers.

Chosen by ``meetbot eval --sweep``: the highest accuracy on tests/questions.yaml that still
declines at least 98% of the out-of-scope decoys (see the README for the table).
"""
SUGGEST_THRESHOLD = 0.40
"""Between this and ANSWER_THRESHOLD the bot asks "did you mean"; below it, declines."""

CONVERSATIONAL = frozenset({"greet", "thanks", "goodbye", "help"})
NOT_COVERED = ("I don't have that in my knowledge base. It covers Kazakhstan's meetings with "
               "the leaders of the OSCE and its institutions, as reported in two published "
               "documents. Send /help for examples of what I can answer.")
OUT_OF_SCOPE = ("Sorry, that is outside what I know. I only answer questions about "
                "Kazakhstan's meetings with the leaders of the OSCE and its institutions, "
                "from published sources. Send /help for examples.")
TOO_LONG = ("That message is too long for me ({length} characters). Please ask one short "
            "question, under {limit} characters.")
EMPTY = "Please send me a question in words, for example: Who is the OSCE Secretary General?"


def format_date(value: str) -> str:
    """Return ``2023-06-07`` as "7 June 2023", ``2023-06`` as "June 2023"."""
    parts = value.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {calendar.month_name[int(parts[1])]} {parts[0]}"
    if len(parts) == 2 and parts[0].isdigit():
        return f"{calendar.month_name[int(parts[1])]} {parts[0]}"
    if parts[0] == "????" and len(parts) == 2:
        return calendar.month_name[int(parts[1])]
    return value


def date_matches(value: str, period: str) -> bool:
    """True when the date ``value`` falls in ``period`` (a year, month or day)."""
    if period.startswith("????-"):
        return len(value) >= 7 and value[5:7] == period[5:7]
    return value.startswith(period)


class _Writer:
    """Builds the text of an answer and numbers its citations."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.citations: list[Citation] = []
        self.parts: list[str] = []

    def cite(self, cite: Cite) -> str:
        doc = self.kb.sources[cite.source]
        citation = Citation(cite.source, doc.meta.title, doc.meta.publisher, doc.meta.url,
                            doc.meta.published, squash_whitespace(cite.quote))
        if citation not in self.citations:
            self.citations.append(citation)
        return f"[{self.citations.index(citation) + 1}]"

    def cites(self, cites: Iterable[Cite]) -> str:
        marks = []
        for cite in cites:
            mark = self.cite(cite)
            if mark not in marks:
                marks.append(mark)
        return "".join(marks)

    def say(self, text: str) -> None:
        self.parts.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


@dataclass(frozen=True)
class Outcome:
    """What an answer function produced, before the Answer is assembled."""

    writer: _Writer
    kind: str = "answer"
    context: Context | None = None
    follow_ups: tuple[str, ...] = ()
    intent: str | None = None
    """Set when the question was answered as a different class than it was routed to."""


class Engine:
    """Answers questions from one verified knowledge base."""

    def __init__(self, kb: KnowledgeBase, *, answer_threshold: float = ANSWER_THRESHOLD,
                 suggest_threshold: float = SUGGEST_THRESHOLD) -> None:
        self.kb = kb
        self.router = Router(kb)
        self.passages = PassageIndex(kb, STOPWORDS)
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self._handlers: dict[str, Callable[[Route, Context], Outcome]] = {
            "who_is": self._who_is,
            "role_holder": self._role_holder,
            "org_head": self._org_head,
            "org_info": self._org_info,
            "person_meetings": self._person_meetings,
            "meeting_date": self._meeting_date,
            "meeting_place": self._meeting_place,
            "meeting_topics": self._meeting_topics,
            "did_meet": self._did_meet,
            "statements": self._statements,
            "who_said": self._who_said,
            "list_meetings": self._list_meetings,
            "count_meetings": self._count_meetings,
            "event_info": self._event_info,
            "event_when": self._event_when,
            "event_where": self._event_where,
            "source": self._source,
            "list_sources": self._list_sources,
            "list_people": self._list_people,
        }

    @property
    def handled_intents(self) -> frozenset[str]:
        """Intent ids this engine can answer (besides FAQ entries and fixed replies)."""
        return frozenset(self._handlers) | {"out_of_scope"}

    # -- the one entry point -----------------------------------------------------------
    def ask(self, question: str, context: Context | None = None) -> Answer:
        """Answer ``question`` in the light of the conversation ``context``."""
        ctx = context or Context()
        text = clean(question)
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(question, False, TOO_LONG.format(length=len(text),
                                                           limit=MAX_QUESTION_CHARS),
                          None, 0.0, kind="invalid", context=ctx)
        route = self.router.route(text, ctx)
        if route is None:
            return Answer(question, False, EMPTY, None, 0.0, kind="invalid", context=ctx)
        return self.answer(question, route, ctx)

    def answer(self, question: str, route: Route, ctx: Context) -> Answer:
        """Turn a routing decision into an Answer (declining or asking when unsure)."""
        intent = route.intent
        if not intent or route.confidence < self.answer_threshold:
            passage = self._passage(question, route, ctx)
            if passage is not None:
                return passage
        if not intent or route.confidence < self.suggest_threshold:
            return self._not_covered(question, route, ctx)
        if route.confidence < self.answer_threshold:
            if route.candidates and route.candidates[0].intent == "out_of_scope":
                return Answer(question, False, OUT_OF_SCOPE, "out_of_scope", route.confidence,
                              kind="decline", context=ctx, route=route)
            suggestions = self.suggestions(route, ctx)
            if suggestions:
                return Answer(question, False,
                              "I'm not sure I understood. Did you mean one of these?",
                              None, route.confidence, suggestions=tuple(suggestions),
                              kind="clarify", context=ctx, route=route)
            return self._not_covered(question, route, ctx)
        if intent == "out_of_scope":
            return Answer(question, False, OUT_OF_SCOPE, intent, route.confidence,
                          kind="decline", context=ctx, route=route)
        reply = self.kb.intents[intent].reply if intent in self.kb.intents else None
        if intent in CONVERSATIONAL or reply:
            return Answer(question, True, reply or "", intent, route.confidence,
                          kind="smalltalk", context=ctx, route=route,
                          follow_ups=self._starter_questions())
        if intent.startswith("faq:"):
            outcome = self._faq(intent[4:], route, ctx)
        else:
            handler = self._handlers.get(intent)
            if handler is None:
                return self._not_covered(question, route, ctx)
            outcome = handler(route, ctx)
        writer = outcome.writer
        intent = outcome.intent or intent
        new_ctx = outcome.context or self._remember(route, ctx)
        new_ctx = replace(new_ctx, intent=intent,
                          sources=tuple(dict.fromkeys(c.source for c in writer.citations))
                          or ctx.sources)
        return Answer(question, outcome.kind != "decline", writer.text, intent, route.confidence,
                      tuple(writer.citations), kind=outcome.kind,  # type: ignore[arg-type]
                      context=new_ctx, route=route, follow_ups=outcome.follow_ups)

    def _passage(self, question: str, route: Route, ctx: Context) -> Answer | None:
        """Quote the best-matching source sentence when no curated answer is confident.

        Never for out-of-scope or conversational questions, nor when the question has words
        the knowledge base has never seen (then it is about something else).
        """
        top = route.candidates[0].intent if route.candidates else None
        if top == "out_of_scope" or top in CONVERSATIONAL or route.unknown:
            return None
        names = frozenset(w for m in route.mentions if m.start >= 0
                          for w in route.words[m.start:m.end])
        hit = self.passages.search(list(route.words), ignore=self.router.intent_vocabulary,
                                   names=names)
        if hit is None:
            return None
        w = _Writer(self.kb)
        mark = w.cite(Cite(source=hit.passage.source, quote=hit.passage.text))
        w.say(f"I have no curated answer to that, but the source says: “{hit.passage.text}” "
              f"{mark}")
        new_ctx = replace(ctx, sources=(hit.passage.source,), intent="passage")
        return Answer(question, True, w.text, "passage", round(0.5 * hit.coverage, 3),
                      tuple(w.citations), kind="answer", context=new_ctx, route=route)

    def _not_covered(self, question: str, route: Route, ctx: Context) -> Answer:
        text = NOT_COVERED
        if route.unknown:
            names = ", ".join(f"“{w}”" for w in route.unknown[:3])
            text = f"I have no information about {names}. " + NOT_COVERED
        return Answer(question, False, text, None, route.confidence, kind="decline",
                      context=ctx, route=route)

    # -- suggestions -------------------------------------------------------------------
    def suggestions(self, route: Route, ctx: Context, limit: int = 3) -> list[str]:
        """Readable questions for the top candidates, slots filled from the question."""
        out: list[str] = []
        for candidate in route.candidates:
            if candidate.intent in ("out_of_scope", *CONVERSATIONAL):
                continue
            if candidate.intent.startswith("faq:"):
                faq = self.kb.faq[candidate.intent[4:]]
                text = self._display(_as_question(faq.questions[0]))
            else:
                intent = self.kb.intents.get(candidate.intent)
                if intent is None:
                    continue
                text = self._fill(intent.suggestion, route, ctx) or ""
            if text and text not in out:
                out.append(text)
            if len(out) == limit:
                break
        return out

    def _display(self, text: str) -> str:
        """Write acronyms and names in a curated phrasing as the knowledge base spells them."""
        spelled = {a.casefold(): a for org in self.kb.organizations.values()
                   for a in org.acronyms}
        names = [p.name for p in self.kb.people.values()]
        names += [t for o in self.kb.organizations.values() for t in (o.name, *o.aliases)]
        names += [e.name for e in self.kb.events.values()]
        for name in names:
            for word in re.findall(r"[\w-]+", name):
                if word[:1].isupper() and word.isascii():
                    spelled.setdefault(word.casefold(), word)
        return re.sub(r"[\w’'-]+", lambda m: spelled.get(m.group(0).casefold(), m.group(0)),
                      text)

    def _fill(self, template: str, route: Route, ctx: Context) -> str | None:
        pools: dict[str, list[str]] = {
            "person": [self.kb.people[i].name for i in route.ids("person") or ctx.people
                       if i in self.kb.people],
            "role": [self.kb.roles[i].name for i in route.ids("role") or ctx.roles
                     if i in self.kb.roles],
            "org": [self._org_label(i) for i in route.ids("org") or ctx.orgs
                    if i in self.kb.organizations],
            "event": [self.kb.events[i].name for i in route.ids("event") or ctx.events
                      if i in self.kb.events],
            "date": [format_date(i) for i in route.ids("date")],
        }
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
            return re.sub(r"\{(person|role|org|event|date)\}", sub, template)
        except LookupError:
            return None

    def _starter_questions(self) -> tuple[str, ...]:
        out = []
        for intent_id in ("role_holder", "person_meetings", "meeting_topics"):
            intent = self.kb.intents.get(intent_id)
            if intent is None:
                continue
            example = self._example_question(intent_id, intent.suggestion)
            if example:
                out.append(example)
        return tuple(out)

    def _example_question(self, intent_id: str, template: str) -> str | None:
        """Fill a suggestion template with entries that give a real answer."""
        meetings = list(self.kb.meetings.values())
        people = [p for m in meetings[:1] for p in m.participants]
        pools = {
            "person": [self.kb.people[p].name for p in people],
            "role": [r.name for r in self.kb.roles.values()
                     if any(h.role == r.id for p in self.kb.people.values() for h in p.roles)],
            "org": [], "event": [], "date": [],
        }
        used: dict[str, int] = {}

        def sub(match: re.Match[str]) -> str:
            kind = match.group(1)
            index = used.get(kind, 0)
            used[kind] = index + 1
            if index >= len(pools[kind]):
                raise LookupError(kind)
            return pools[kind][index]

        try:
            return re.sub(r"\{(person|role|org|event|date)\}", sub, template)
        except LookupError:
            return None

    # -- context -----------------------------------------------------------------------
    def _remember(self, route: Route, ctx: Context) -> Context:
        def pick(kind: str, old: tuple[str, ...]) -> tuple[str, ...]:
            ids = route.ids(kind)  # type: ignore[arg-type]
            return tuple(ids) if ids else old

        return replace(ctx, people=pick("person", ctx.people), orgs=pick("org", ctx.orgs),
                       roles=pick("role", ctx.roles), events=pick("event", ctx.events),
                       topic=route.topic)

    def _with_meeting(self, route: Route, ctx: Context, meetings: Sequence[Meeting]) -> Context:
        base = self._remember(route, ctx)
        if len(meetings) == 1:
            people = tuple(meetings[0].participants)
            ordered = tuple(dict.fromkeys((*route.ids("person"), *people)))
            return replace(base, meeting=meetings[0].id, people=ordered)
        return replace(base, meeting=None)

    # -- helpers -----------------------------------------------------------------------
    def _name(self, person_id: str) -> str:
        return self.kb.people[person_id].name

    def _org_label(self, org_id: str) -> str:
        org = self.kb.organizations[org_id]
        return org.acronyms[0] if org.acronyms else org.name

    def _holdings(self, role_id: str) -> list[tuple[str, Person, Cite]]:
        """Every (as_of, person, cite) for ``role_id``, newest first."""
        rows = [(h.as_of, p, h.cite) for p in self.kb.people.values() for h in p.roles
                if h.role == role_id]
        return sorted(rows, key=lambda row: row[0], reverse=True)

    def _latest_role(self, person: Person) -> tuple[Role, str, Cite] | None:
        if not person.roles:
            return None
        holding = max(person.roles, key=lambda h: h.as_of)
        return self.kb.roles[holding.role], holding.as_of, holding.cite

    def _people_in(self, route: Route, ctx: Context) -> list[str]:
        ids = route.ids("person")
        words = set(route.words)
        if route.from_context and ids:
            wants_female = bool(words & {"she", "her", "hers"})
            wants_male = bool(words & {"he", "him", "his"})
            if wants_female != wants_male:
                gender = "female" if wants_female else "male"
                own = [m.id for m in route.mentions if m.kind == "person"
                       and m.text != "(context)"]
                carried = [i for i in ids if i not in own]
                matching = [i for i in carried if self.kb.people[i].gender == gender]
                others = [i for i in carried if i not in matching]
                ids = [*own, *matching, *others]
        return ids

    def _meetings_between(self, people: Sequence[str]) -> list[Meeting]:
        return sorted((m for m in self.kb.meetings.values()
                       if all(p in m.participants for p in people)),
                      key=lambda m: m.date)

    def _meeting_label(self, meeting: Meeting, exclude: str | None = None) -> str:
        names = [self._name(p) for p in meeting.participants if p != exclude]
        return " and ".join(names)

    def _when(self, meeting: Meeting) -> str:
        if meeting.date_kind == "meeting":
            return f"on {format_date(meeting.date)}"
        return f"in a report dated {format_date(meeting.date)}"

    def _pair(self, route: Route, ctx: Context) -> tuple[list[str], list[Meeting]]:
        """The people a two-person question is about, and their meetings."""
        people = self._people_in(route, ctx)[:2]
        if len(people) == 2:
            return people, self._meetings_between(people)
        if len(people) == 1:
            return people, self._meetings_between(people)
        if ctx.meeting and ctx.meeting in self.kb.meetings:
            meeting = self.kb.meetings[ctx.meeting]
            return list(meeting.participants), [meeting]
        return [], []

    # -- answer functions --------------------------------------------------------------
    def _who_is(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        person_id = self._people_in(route, ctx)[0]
        person = self.kb.people[person_id]
        holdings = sorted(person.roles, key=lambda h: h.as_of, reverse=True)
        if not holdings:
            cite = w.cite(person.cite) if person.cite else ""
            w.say(f"{person.name} is mentioned in the sources {cite}".strip() + ".")
        for index, holding in enumerate(holdings):
            role = self.kb.roles[holding.role]
            lead = person.name if index == 0 else "Also:"
            w.say(f"{lead} {_role_phrase(role.name)} (as of {format_date(holding.as_of)}) "
                  f"{w.cite(holding.cite)}.")
            later = [row for row in self._holdings(role.id)
                     if row[0] > holding.as_of and row[1].id != person.id]
            if later:
                as_of, successor, successor_cite = later[0]
                w.say(f"By {format_date(as_of)} the {role.name} was {successor.name} "
                      f"{w.cite(successor_cite)}.")
        meetings = self._meetings_between([person_id])
        if meetings:
            others = [self._meeting_label(m, exclude=person_id) for m in meetings]
            w.say(f"In the sources, {_surname(person.name)} met {_join(others)}.")
        roles = tuple(h.role for h in holdings)
        orgs = tuple(o for o in (self.kb.roles[r].organization for r in roles) if o)
        context = replace(self._remember(route, ctx), people=(person_id,), roles=roles or
                          ctx.roles, orgs=orgs or ctx.orgs, meeting=None)
        return Outcome(w, context=context, follow_ups=(f"Whom did {person.name} meet?",))

    def _role_holder(self, route: Route, ctx: Context) -> Outcome:
        roles = route.ids("role") or list(ctx.roles)
        if not roles:
            orgs = route.ids("org") or list(ctx.orgs)
            return self._head_of(orgs[0], route, ctx) if orgs else self._org_head(route, ctx)
        return self._holder_answer(roles[0], route)

    def _holder_answer(self, role_id: str, route: Route) -> Outcome:
        w = _Writer(self.kb)
        role = self.kb.roles[role_id]
        rows = self._holdings(role_id)
        dates = route.ids("date")
        if not rows:
            w.say(f"The sources do not name the {role.name}.")
            return Outcome(w, kind="negative")
        context = Context(people=tuple(dict.fromkeys(r[1].id for r in rows)),
                          roles=(role_id,), orgs=(role.organization,) if role.organization
                          else ())
        if dates:
            period = dates[0]
            label = format_date(period)
            in_period = [r for r in rows if date_matches(r[0], period)]
            before = [r for r in rows if r[0] < period]
            if in_period:
                as_of, person, cite = in_period[0]
                w.say(f"In {label}, the {role.name} was {person.name} (as of "
                      f"{format_date(as_of)}) {w.cite(cite)}.")
                context = replace(context, people=(person.id,))
            elif before:
                as_of, person, cite = before[0]
                w.say(f"The sources do not cover {label}. The latest record before then "
                      f"shows {person.name} as {role.name} on {format_date(as_of)} "
                      f"{w.cite(cite)}.")
                return Outcome(w, kind="negative")
            else:
                as_of, person, cite = rows[-1]
                w.say(f"The sources do not say who was {role.name} in {label}. The earliest "
                      f"record is {person.name}, as of {format_date(as_of)} {w.cite(cite)}.")
                return Outcome(w, kind="negative")
            return Outcome(w, context=context)
        as_of, person, cite = rows[0]
        w.say(f"As of {format_date(as_of)}, the {role.name} is {person.name} {w.cite(cite)} "
              f"(the most recent source).")
        earlier = [r for r in rows if r[1].id != person.id]
        if earlier:
            e_as_of, e_person, e_cite = earlier[0]
            w.say(f"Earlier, as of {format_date(e_as_of)}, it was {e_person.name} "
                  f"{w.cite(e_cite)}.")
        return Outcome(w, context=replace(context, people=(person.id,)))

    def _org_head(self, route: Route, ctx: Context) -> Outcome:
        orgs = route.ids("org") or list(ctx.orgs)
        if not orgs:
            roles = route.ids("role")
            if roles:
                return self._holder_answer(roles[0], route)
            w = _Writer(self.kb)
            w.say("Which organisation do you mean?")
            return Outcome(w, kind="negative")
        return self._head_of(orgs[0], route, ctx)

    def _head_of(self, org_id: str, route: Route, ctx: Context) -> Outcome:
        heads = [r for r in self.kb.roles.values() if r.organization == org_id and r.head]
        if not heads:
            w = _Writer(self.kb)
            org = self.kb.organizations[org_id]
            w.say(f"The sources do not name a head of {org.name}.")
            return Outcome(w, kind="negative")
        return self._holder_answer(heads[0].id, route)

    def _org_info(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        org = self.kb.organizations[(route.ids("org") or list(ctx.orgs))[0]]
        first = (f"{org.acronyms[0]} stands for {org.name}" if org.acronyms
                 else f"{org.name}")
        kind = org.kind
        if org.parent:
            parent = self.kb.organizations[org.parent]
            first += f", {_article(kind)} {kind} of the {self._org_label(parent.id)}"
        else:
            first += f", {_article(kind)} {kind}"
        w.say(f"{first} {w.cite(org.cite)}.")
        if org.description:
            w.say(org.description)
        heads = [r for r in self.kb.roles.values() if r.organization == org.id and r.head]
        holders: list[str] = []
        for role in heads:
            rows = self._holdings(role.id)
            if rows:
                as_of, person, cite = rows[0]
                holders.append(person.id)
                w.say(f"Its head in the sources: {person.name}, {role.name} (as of "
                      f"{format_date(as_of)}) {w.cite(cite)}.")
        context = replace(self._remember(route, ctx), orgs=(org.id,),
                          roles=tuple(r.id for r in heads) or ctx.roles,
                          people=tuple(holders) or ctx.people)
        return Outcome(w, context=context)

    def _person_meetings(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        person_id = self._people_in(route, ctx)[0]
        person = self.kb.people[person_id]
        meetings = self._meetings_between([person_id])
        dates = route.ids("date")
        if dates:
            meetings = [m for m in meetings if date_matches(m.date, dates[0])]
        if not meetings:
            w.say(f"The sources record no meetings of {person.name}"
                  + (f" in {format_date(dates[0])}." if dates else "."))
            return Outcome(w, kind="negative")
        lines = []
        for m in meetings:
            others = [p for p in m.participants if p != person_id]
            who = " and ".join(self._with_role(p, m.date) for p in others)
            lines.append(f"• {who}, {self._when(m)} {w.cite(m.summary.cite)}")
        count = len(meetings)
        w.say(f"{person.name} met {count} {'person' if count == 1 else 'people'} in the "
              f"sources:")
        w.say("\n".join(lines))
        follow = (f"What did {_surname(person.name)} discuss with "
                  f"{_surname(self._name(meetings[0].participants[-1]))}?",)
        return Outcome(w, context=self._with_meeting(route, ctx, meetings), follow_ups=follow)

    def _with_role(self, person_id: str, date: str) -> str:
        person = self.kb.people[person_id]
        holdings = [h for h in person.roles if h.as_of <= date] or list(person.roles)
        if not holdings:
            return person.name
        role = self.kb.roles[max(holdings, key=lambda h: h.as_of).role]
        return f"{person.name} ({role.name})"

    def _meeting_date(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        people, meetings = self._pair(route, ctx)
        if not meetings:
            return self._no_meeting(w, people)
        for m in meetings:
            cite = m.date_cite or m.summary.cite
            if m.date_kind == "meeting":
                w.say(f"{self._meeting_label(m)} met on {format_date(m.date)} {w.cite(cite)}.")
            else:
                w.say(f"{self._meeting_label(m)} met; the source reporting it is dated "
                      f"{format_date(m.date)} {w.cite(cite)}. It gives no separate date for "
                      f"the meeting itself.")
        return Outcome(w, context=self._with_meeting(route, ctx, meetings),
                       follow_ups=("What did they discuss?",))

    def _no_meeting(self, w: _Writer, people: Sequence[str]) -> Outcome:
        names = [self._name(p) for p in people]
        if len(names) >= 2:
            w.say(f"The sources record no meeting between {names[0]} and {names[1]}.")
            for pid in people:
                met = self._meetings_between([pid])
                if met:
                    others = _join([self._meeting_label(m, exclude=pid) for m in met])
                    w.say(f"They record {_surname(self._name(pid))} meeting {others}.")
        elif names:
            w.say(f"The sources record no meeting of {names[0]}.")
        else:
            w.say("Whose meeting do you mean? For example: When did Tokayev meet Helga Schmid?"
                  if "tokayev" in self.kb.people else "Whose meeting do you mean?")
        return Outcome(w, kind="negative")

    def _meeting_place(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        people, meetings = self._pair(route, ctx)
        if not meetings:
            return self._no_meeting(w, people)
        negative = True
        for m in meetings:
            label = self._meeting_label(m)
            if m.place:
                cite = m.place_cite or m.summary.cite
                w.say(f"{label} met in {m.place} {w.cite(cite)}.")
                negative = False
            else:
                w.say(f"The sources do not say where {label} met.")
            if m.event:
                event = self.kb.events[m.event]
                w.say(f"The report places the meeting in the context of the {event.name} "
                      f"{w.cite(m.summary.cite)}.")
                if event.place:
                    cite = event.place_cite or event.facts[0].cite
                    w.say(f"The {event.name} was held in {event.place} {w.cite(cite)}.")
                else:
                    w.say(f"The sources do not say where the {event.name} was held.")
        return Outcome(w, kind="negative" if negative else "answer",
                       context=self._with_meeting(route, ctx, meetings))

    def _meeting_topics(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        people, meetings = self._pair(route, ctx)
        if not meetings:
            return self._no_meeting(w, people)
        for m in meetings:
            if not m.topics:
                w.say(f"The sources do not say what {self._meeting_label(m)} discussed.")
                continue
            topics = "; ".join(f"{t.text} {w.cite(t.cite)}" for t in m.topics)
            w.say(f"{self._meeting_label(m)} discussed: {topics}.")
        follow: tuple[str, ...] = ()
        if len(meetings) == 1 and meetings[0].statements:
            speaker = self._name(meetings[0].statements[0].speaker)
            follow = (f"What did {_surname(speaker)} say?",)
        return Outcome(w, context=self._with_meeting(route, ctx, meetings), follow_ups=follow)

    def _did_meet(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        people, meetings = self._pair(route, ctx)
        if len(people) < 2 or not meetings:
            if len(people) == 1 and meetings:
                m = meetings[0]
                w.say(f"Yes. {self._meeting_label(m)} met, {self._when(m)} "
                      f"{w.cite(m.summary.cite)}.")
                return Outcome(w, context=self._with_meeting(route, ctx, meetings))
            return self._no_meeting(w, people)
        for m in meetings:
            w.say(f"Yes. {self._meeting_label(m)} met, {self._when(m)} "
                  f"{w.cite(m.summary.cite)}.")
        return Outcome(w, context=self._with_meeting(route, ctx, meetings),
                       follow_ups=("What did they discuss?",))

    def _statements(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        people = self._people_in(route, ctx)
        speaker = people[0]
        person = self.kb.people[speaker]
        said = [(m, s) for m in self.kb.meetings.values() for s in m.statements
                if s.speaker == speaker]
        topic = [*route.topic, *(m.text for m in route.mentions
                                 if m.kind in ("event", "org", "role", "date")
                                 and m.text != "(context)")]
        topic = [t for t in topic if t not in ("say", "said", "tell", "told")]
        if not topic and set(route.words) & {"it", "that", "this"}:
            topic = list(ctx.topic) + [self.kb.events[e].name for e in ctx.events
                                       if e in self.kb.events][:1]
        if not said:
            w.say(f"The sources record no statement by {person.name}.")
            return Outcome(w, kind="negative")
        if topic:
            scored = sorted(((self._topic_score(s, topic), m, s) for m, s in said),
                            key=lambda row: -row[0])
            relevant = [(m, s) for score, m, s in scored if score >= 0.5]  # best first
            if not relevant:
                w.say(f"The sources record no statement by {person.name} about "
                      f"{' '.join(topic)}.")
                subjects = sorted({k for _, s in said for k in s.keywords[:2]})
                if subjects:
                    w.say(f"They quote {_surname(person.name)} on: {', '.join(subjects[:8])}.")
                return Outcome(w, kind="negative")
            said = relevant
        for m, s in said[:3]:
            w.say(self._statement_line(person, m, s, w))
        if len(said) > 3:
            w.say(f"({len(said) - 3} more statements in the sources; ask about a topic to "
                  f"narrow it down.)")
        return Outcome(w, context=self._with_meeting(route, ctx, [said[0][0]]))

    def _statement_line(self, person: Person, meeting: Meeting, s: Statement,
                        w: _Writer) -> str:
        quote = squash_whitespace(s.cite.quote)
        mark = w.cite(s.cite)
        if s.kind == "direct":
            return f"{person.name} said: “{quote}” {mark}"
        return f"According to the source: {quote} {mark}"

    def _topic_score(self, statement: Statement, topic: Sequence[str]) -> float:
        haystack = normalize(" ".join((statement.cite.quote, *statement.keywords))).split()
        words = [t for t in normalize(" ".join(topic)).split() if len(t) > 2]
        if not words:
            return 0.0
        hits = 0.0
        for word in words:
            best = max((fuzz.ratio(word, h) for h in haystack), default=0.0)
            prefix = any(h.startswith(word[:5]) for h in haystack) if len(word) >= 5 else False
            if best >= 85 or prefix:
                hits += 1
        return hits / len(words)

    def _who_said(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        query = " ".join(route.topic) or " ".join(route.words)
        best: tuple[float, Meeting, Statement] | None = None
        for m in self.kb.meetings.values():
            for s in m.statements:
                score = fuzz.partial_ratio(normalize(query), normalize(s.cite.quote))
                if best is None or score > best[0]:
                    best = (score, m, s)
        if best is None or best[0] < 75 or len(query) < 8:
            quoted = " ".join(m.text for m in route.mentions if m.kind == "quote") or query
            if route.unknown or any(self.router.is_unknown(w) for w in quoted.split()):
                # Words the sources never use: a quotation from somewhere else entirely.
                w.say(OUT_OF_SCOPE)
                return Outcome(w, kind="decline")
            w.say("I can't find those words in the sources' quotations.")
            return Outcome(w, kind="negative")
        _, meeting, statement = best
        person = self.kb.people[statement.speaker]
        others = self._meeting_label(meeting, exclude=person.id)
        role = self._latest_role(person)
        who = f"{person.name} ({role[0].name})" if role else person.name
        w.say(f"That was {who}, at the meeting with {others}, {self._when(meeting)}.")
        w.say(self._statement_line(person, meeting, statement, w))
        return Outcome(w, context=self._with_meeting(route, ctx, [meeting]))

    def _filtered_meetings(self, route: Route, ctx: Context) -> tuple[list[Meeting], str]:
        meetings = sorted(self.kb.meetings.values(), key=lambda m: (m.date, m.id))
        labels = []
        people = route.ids("person")
        if people:
            meetings = [m for m in meetings if all(p in m.participants for p in people)]
            labels.append("of " + " and ".join(self._name(p) for p in people))
        events = route.ids("event")
        if events:
            meetings = [m for m in meetings if m.event in events]
            labels.append("at the " + self.kb.events[events[0]].name)
        dates = route.ids("date")
        if dates:
            meetings = [m for m in meetings if date_matches(m.date, dates[0])]
            labels.append("in " + format_date(dates[0]))
        return meetings, " ".join(labels)

    def _list_meetings(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        meetings, label = self._filtered_meetings(route, ctx)
        if not meetings:
            w.say(f"The sources record no meetings {label}.".replace("  ", " "))
            return Outcome(w, kind="negative")
        noun = "meeting" if len(meetings) == 1 else "meetings"
        w.say(f"The sources record {len(meetings)} {noun}{' ' + label if label else ''}:")
        w.say("\n".join(f"• {format_date(m.date)}: {self._meeting_label(m)}"
                        f"{' — ' + self.kb.events[m.event].name if m.event else ''} "
                        f"{w.cite(m.summary.cite)}" for m in meetings))
        return Outcome(w, context=self._with_meeting(route, ctx, meetings))

    def _count_meetings(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        meetings, label = self._filtered_meetings(route, ctx)
        noun = "meeting" if len(meetings) == 1 else "meetings"
        if not meetings:
            w.say(f"The sources record no meetings {label}.")
            return Outcome(w, kind="negative")
        marks = w.cites(m.summary.cite for m in meetings)
        w.say(f"The sources record {len(meetings)} {noun}{' ' + label if label else ''}: "
              f"{_join([self._meeting_label(m) for m in meetings])} {marks}.")
        return Outcome(w, context=self._with_meeting(route, ctx, meetings))

    def _event(self, route: Route, ctx: Context) -> str:
        return (route.ids("event") or list(ctx.events))[0]

    def _event_info(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        event = self.kb.events[self._event(route, ctx)]
        when = f" in {format_date(event.date)}" if event.date else ""
        where = f" in {event.place}" if event.place else ""
        if when or where:
            cites = [c for c in (event.date_cite, event.place_cite) if c is not None]
            w.say(f"The {event.name} took place{where}{when} {w.cites(cites)}.".replace(
                " .", "."))
        for fact in event.facts:
            w.say(f"{fact.text} {w.cite(fact.cite)}")
        meetings = [m for m in self.kb.meetings.values() if m.event == event.id]
        if meetings:
            w.say(f"Meetings in the sources linked to it: "
                  f"{_join([self._meeting_label(m) for m in meetings])} "
                  f"{w.cites(m.summary.cite for m in meetings)}.")
        return Outcome(w)

    def _event_when(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        event = self.kb.events[self._event(route, ctx)]
        if event.date:
            cite = event.date_cite or event.facts[0].cite
            w.say(f"The {event.name} took place in {format_date(event.date)} {w.cite(cite)}."
                  if len(event.date) < 10 else
                  f"The {event.name} took place on {format_date(event.date)} {w.cite(cite)}.")
            return Outcome(w)
        w.say(f"The sources do not say when the {event.name} took place.")
        meetings = [m for m in self.kb.meetings.values() if m.event == event.id]
        if meetings:
            m = meetings[0]
            w.say(f"The report of meetings held there is dated {format_date(m.date)} "
                  f"{w.cite(m.date_cite or m.summary.cite)}.")
        return Outcome(w, kind="negative")

    def _event_where(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        event = self.kb.events[self._event(route, ctx)]
        if event.place:
            cite = event.place_cite or event.facts[0].cite
            w.say(f"The {event.name} was held in {event.place} {w.cite(cite)}.")
            return Outcome(w)
        w.say(f"The sources do not say where the {event.name} took place.")
        return Outcome(w, kind="negative")

    def _meeting_source(self, meeting: Meeting) -> str:
        return meeting.summary.cite.source

    def _source_citation(self, source_id: str) -> Citation:
        doc = self.kb.sources[source_id]
        return Citation(source_id, doc.meta.title, doc.meta.publisher, doc.meta.url,
                        doc.meta.published, _lead_sentence(doc.text))

    def _source(self, route: Route, ctx: Context) -> Outcome:
        ids = [s for s in ctx.sources if s in self.kb.sources]
        people = route.ids("person")
        if people:
            meetings = self._meetings_between(people[:2])
            ids = list(dict.fromkeys(self._meeting_source(m) for m in meetings)) or ids
        if not ids:
            return replace(self._list_sources(route, ctx), intent="list_sources")
        w = _Writer(self.kb)
        w.say("That answer comes from:")
        lines = []
        for sid in ids:
            citation = self._source_citation(sid)
            w.citations.append(citation)
            lines.append(f"• {citation.title} — {citation.publisher}, "
                         f"{format_date(citation.date)}: {citation.url} "
                         f"[{len(w.citations)}]")
        w.say("\n".join(lines))
        return Outcome(w, context=ctx)

    def _list_sources(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        docs = sorted(self.kb.sources.values(), key=lambda d: d.meta.published)
        w.say(f"I answer from {len(docs)} published documents:")
        lines = []
        for doc in docs:
            w.citations.append(self._source_citation(doc.meta.id))
            lines.append(f"• {doc.meta.title} — {doc.meta.publisher}, "
                         f"{format_date(doc.meta.published)}: {doc.meta.url} "
                         f"[{len(w.citations)}]")
        w.say("\n".join(lines))
        return Outcome(w, context=ctx)

    def _list_people(self, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        people = sorted(self.kb.people.values(), key=lambda p: _surname(p.name))
        w.say(f"The sources name {len(people)} people:")
        lines = []
        for person in people:
            latest = self._latest_role(person)
            if latest:
                role, as_of, cite = latest
                lines.append(f"• {person.name}, {role.name} (as of {format_date(as_of)}) "
                             f"{w.cite(cite)}")
            elif person.cite:
                lines.append(f"• {person.name} {w.cite(person.cite)}")
        w.say("\n".join(lines))
        return Outcome(w)

    def _faq(self, faq_id: str, route: Route, ctx: Context) -> Outcome:
        w = _Writer(self.kb)
        faq = self.kb.faq[faq_id]
        w.say(f"{faq.answer} {w.cites(faq.cites)}")
        return Outcome(w)

    # -- browsing (used by /meetings, /people in front ends) ---------------------------
    def meeting_summary(self, meeting_id: str) -> Answer:
        """Answer "tell me about this meeting" for one meeting id (menus and buttons)."""
        m = self.kb.meetings[meeting_id]
        w = _Writer(self.kb)
        w.say(f"{m.title} — {self._when(m)}.")
        w.say(f"{m.summary.text} {w.cite(m.summary.cite)}")
        if m.topics:
            w.say("Discussed: " + "; ".join(f"{t.text} {w.cite(t.cite)}" for t in m.topics)
                  + ".")
        ctx = Context(people=tuple(m.participants), meeting=m.id, intent="meeting_topics",
                      sources=tuple(dict.fromkeys(c.source for c in w.citations)))
        return Answer(m.title, True, w.text, "meeting_summary", 1.0, tuple(w.citations),
                      context=ctx)


def _lead_sentence(text: str) -> str:
    for line in text.splitlines():
        line = squash_whitespace(line)
        if len(line.split()) >= 8:
            return line[:300] if len(line) > 300 else line
    return squash_whitespace(text)[:200]


def _role_phrase(role_name: str) -> str:
    return f"is the {role_name}"


def _surname(name: str) -> str:
    return name.split()[-1]


def _join(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _as_question(text: str) -> str:
    text = text.strip().rstrip("?.! ")
    return text[:1].upper() + text[1:] + "?"


def mentions_of(route: Route, kind: str) -> list[Mention]:
    """Return the route's mentions of ``kind`` (for /why displays)."""
    return [m for m in route.mentions if m.kind == kind]
