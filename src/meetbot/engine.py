"""The answering engine: question (+ conversation context) in, :class:`Answer` out.

Plain synchronous Python with no Telegram import; every front end calls
:meth:`Engine.ask`. Each question class has one answer function below, written against the
knowledge base's structure, never against particular question strings. Every sentence
comes from the message catalogue of the asker's language (:mod:`meetbot.i18n`); names,
titles and topics come from the knowledge base's curated translations; quotes stay
verbatim in the source's language.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz, process

from .answer import Answer, AnswerKind, Citation
from .i18n import Catalog, detect_language
from .knowledge import KnowledgeBase, date_in, gc_paused
from .normalize import MAX_QUESTION_CHARS, clean, normalize, squash_whitespace, transliterate
from .passages import PassageIndex
from .router import NO_CONTEXT, Context, Mention, Route, Router
from .schema import Cite, Meeting, Person, Statement

ANSWER_THRESHOLD = 0.60
"""Route confidence at or above which the bot answers.

Chosen by ``meetbot eval --sweep``: the highest accuracy on tests/questions.yaml that still
declines every out-of-scope decoy (see the README for the table).
"""
SUGGEST_THRESHOLD = 0.40
"""Between this and ANSWER_THRESHOLD the bot asks "did you mean"; below it, declines."""

LIST_LIMIT = 20
"""Longest list of meetings in one answer; the rest are counted ("and 12 more")."""
CONVERSATIONAL = frozenset({"greet", "thanks", "goodbye", "help"})
_SLOT = re.compile(r"\{(person|role|org|event|date)\}")


def format_date(value: str, catalog: Catalog | None = None) -> str:
    """Return ``2023-06-07`` as "7 June 2023" (or in ``catalog``'s language)."""
    if catalog is not None:
        return catalog.date(value)
    from .i18n import Catalog as _Catalog
    from .i18n import DateFormats

    return _Catalog("en", "English", {}, DateFormats()).date(value)


def _tr(text: str, translations: Mapping[str, str], language: str) -> str:
    return translations.get(language, text) if language != "en" else text


class _Writer:
    """Builds the text of an answer in one language and numbers its citations."""

    def __init__(self, kb: KnowledgeBase, catalog: Catalog) -> None:
        self.kb = kb
        self.catalog = catalog
        self.lang = catalog.language
        self.citations: list[Citation] = []
        self._numbers: dict[Citation, int] = {}
        self.parts: list[str] = []

    # text
    def t(self, key: str, /, **values: Any) -> str:
        return self.catalog.t(key, **values)

    def say(self, text: str) -> None:
        self.parts.append(text)

    def line(self, key: str, /, **values: Any) -> None:
        self.parts.append(self.t(key, **values))

    def join(self, items: Sequence[str]) -> str:
        items = list(dict.fromkeys(items))
        if len(items) <= 1:
            return "".join(items)
        sep = str(self.catalog.raw("list_separator"))
        return sep.join(items[:-1]) + str(self.catalog.raw("and")) + items[-1]

    @property
    def text(self) -> str:
        return "\n".join(self.parts)

    # names in the asker's language
    def name(self, person_id: str) -> str:
        person = self.kb.people[person_id]
        return _tr(person.name, person.translations, self.lang)

    def surname(self, person_id: str) -> str:
        return self.name(person_id).split()[-1]

    def role(self, role_id: str) -> str:
        role = self.kb.roles[role_id]
        return _tr(role.name, role.translations, self.lang)

    def org_name(self, org_id: str) -> str:
        org = self.kb.organizations[org_id]
        return _tr(org.name, org.translations, self.lang)

    def org_label(self, org_id: str) -> str:
        org = self.kb.organizations[org_id]
        if self.lang != "en":
            native = [a for a in org.aliases if a.isupper() and not a.isascii()]
            if native:
                return native[0]
        return org.acronyms[0] if org.acronyms else self.org_name(org_id)

    def event(self, event_id: str) -> str:
        event = self.kb.events[event_id]
        return _tr(event.name, event.translations, self.lang)

    def date(self, value: str) -> str:
        return self.catalog.date(value)

    def people(self, ids: Iterable[str]) -> str:
        return self.join([self.name(p) for p in ids])

    # citations
    def cite(self, cite: Cite) -> str:
        doc = self.kb.sources[cite.source]
        citation = Citation(cite.source, doc.meta.title, doc.meta.publisher, doc.meta.url,
                            doc.meta.published, squash_whitespace(cite.quote))
        return f"[{self.add(citation)}]"

    def add(self, citation: Citation) -> int:
        """Number ``citation`` (the same quote keeps its number)."""
        number = self._numbers.get(citation)
        if number is None:
            self.citations.append(citation)
            number = self._numbers[citation] = len(self.citations)
        return number

    def cites(self, cites: Iterable[Cite]) -> str:
        marks: list[str] = []
        for cite in cites:
            mark = self.cite(cite)
            if mark not in marks:
                marks.append(mark)
        return "".join(marks)


@dataclass(frozen=True)
class Outcome:
    """What an answer function produced, before the Answer is assembled."""

    writer: _Writer
    kind: AnswerKind = "answer"
    context: Context | None = None
    follow_ups: tuple[str, ...] = ()
    intent: str | None = None
    """Set when the question was answered as a different class than it was routed to."""


Handler = Callable[["Engine", Route, Context, _Writer], Outcome]


class Engine:
    """Answers questions from one verified knowledge base."""

    def __init__(self, kb: KnowledgeBase, *, answer_threshold: float = ANSWER_THRESHOLD,
                 suggest_threshold: float = SUGGEST_THRESHOLD) -> None:
        self.kb = kb
        with gc_paused():
            self.router = Router(kb)
            self.passages = PassageIndex(kb, self.router.stopwords)
            kb.lookups  # noqa: B018 - build the indexes now, not on the first question
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self._haystacks: dict[int, tuple[list[str], frozenset[str]]] = {}

    @property
    def handled_intents(self) -> frozenset[str]:
        """Intent ids this engine can answer (besides FAQ entries and fixed replies)."""
        return frozenset(HANDLERS) | {"out_of_scope"}

    def catalog(self, language: str) -> Catalog:
        """The message catalogue for ``language`` (English when there is none)."""
        return self.kb.catalog(language)

    def warm_up(self) -> None:
        """Prepare what first answers would otherwise prepare, so no user waits for it.

        Babel's locale data (10-25 ms per language), the transliteration tables, and the
        normalised words of every statement (what "what did X say about T" searches).
        Long-running modes call this in the background after each load.
        """
        for catalog in self.kb.catalogs.values():
            catalog.date("2000-01-02")
            catalog.date("2000-01")
            transliterate(catalog.name)  # loads the table for the language's script
        for meeting in self.kb.meetings.values():
            for statement in meeting.statements:
                self._haystack(statement)

    def language_of(self, question: str, default: str = "en") -> str:
        """The language to answer ``question`` in (``default`` when the text is ambiguous)."""
        return detect_language(question, self.kb.catalogs, default=default)

    # -- the one entry point -----------------------------------------------------------
    def ask(self, question: str, context: Context | None = None, *, lang: str | None = None,
            default_lang: str = "en") -> Answer:
        """Answer ``question`` in the light of the conversation ``context``.

        The answer is in ``lang`` if given, else in the question's language; text that
        could be either (an acronym, a name) is answered in ``default_lang``.
        """
        ctx = context or NO_CONTEXT
        text = clean(question)  # what the answer echoes too: no controls, one-line
        language = lang or self.language_of(text, default_lang)
        catalog = self.catalog(language)
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(text, False, catalog.t("too_long", length=len(text),
                                                 limit=MAX_QUESTION_CHARS),
                          None, 0.0, kind="invalid", context=ctx, lang=catalog.language)
        route = self.router.route(text, ctx)
        if route is None:
            return Answer(text, False, catalog.t("empty"), None, 0.0, kind="invalid",
                          context=ctx, lang=catalog.language)
        return self.answer(text, route, ctx, catalog)

    def answer(self, question: str, route: Route, ctx: Context,
               catalog: Catalog | None = None) -> Answer:
        """Turn a routing decision into an Answer (declining or asking when unsure)."""
        catalog = catalog or self.catalog("en")
        lang = catalog.language
        intent = route.intent
        if not intent or route.confidence < self.answer_threshold:
            passage = self._passage(question, route, ctx, catalog)
            if passage is not None:
                return passage
        if not intent or route.confidence < self.suggest_threshold:
            return self._not_covered(question, route, ctx, catalog)
        if route.confidence < self.answer_threshold:
            if route.candidates and route.candidates[0].intent == "out_of_scope":
                return Answer(question, False, catalog.t("out_of_scope"), "out_of_scope",
                              route.confidence, kind="decline", context=ctx, route=route,
                              lang=lang)
            suggestions = self.suggestions(route, ctx, catalog)
            if suggestions:
                return Answer(question, False, catalog.t("clarify"), None, route.confidence,
                              suggestions=tuple(suggestions), kind="clarify", context=ctx,
                              route=route, lang=lang)
            return self._not_covered(question, route, ctx, catalog)
        if intent == "out_of_scope":
            return Answer(question, False, catalog.t("out_of_scope"), intent,
                          route.confidence, kind="decline", context=ctx, route=route,
                          lang=lang)
        reply = self._reply(intent, catalog)
        if intent in CONVERSATIONAL or reply:
            return Answer(question, True, reply or "", intent, route.confidence,
                          kind="smalltalk", context=ctx, route=route, lang=lang,
                          follow_ups=self._starter_questions(catalog))
        w = _Writer(self.kb, catalog)
        if intent.startswith("faq:"):
            outcome = self._faq(intent[4:], route, ctx, w)
        else:
            handler = HANDLERS.get(intent)
            if handler is None:
                return self._not_covered(question, route, ctx, catalog)
            outcome = handler(self, route, ctx, w)
        intent = outcome.intent or intent
        new_ctx = replace(outcome.context or self._remember(route, ctx), intent=intent,
                          sources=tuple(dict.fromkeys(c.source for c in w.citations))
                          or ctx.sources)
        return Answer(question, outcome.kind != "decline", w.text, intent, route.confidence,
                      tuple(w.citations), kind=outcome.kind, context=new_ctx, route=route,
                      follow_ups=outcome.follow_ups, lang=lang)

    def _reply(self, intent: str, catalog: Catalog) -> str | None:
        if catalog.language != "en" and catalog.has(f"reply.{intent}"):
            return catalog.get(f"reply.{intent}")
        entry = self.kb.intents.get(intent)
        return entry.reply if entry is not None else None

    def _passage(self, question: str, route: Route, ctx: Context,
                 catalog: Catalog) -> Answer | None:
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
        w = _Writer(self.kb, catalog)
        mark = w.cite(Cite(source=hit.passage.source, quote=hit.passage.text))
        w.line("passage", quote=hit.passage.text, cite=mark)
        new_ctx = replace(ctx, sources=(hit.passage.source,), intent="passage")
        return Answer(question, True, w.text, "passage", round(0.5 * hit.coverage, 3),
                      tuple(w.citations), kind="answer", context=new_ctx, route=route,
                      lang=catalog.language)

    def _not_covered(self, question: str, route: Route, ctx: Context,
                     catalog: Catalog) -> Answer:
        text = catalog.t("not_covered")
        if route.unknown:
            names = ", ".join(f"“{w}”" for w in route.unknown[:3])
            text = catalog.t("unknown_words", names=names) + " " + text
        return Answer(question, False, text, None, route.confidence, kind="decline",
                      context=ctx, route=route, lang=catalog.language)

    # -- suggestions -------------------------------------------------------------------
    def suggestions(self, route: Route, ctx: Context, catalog: Catalog | None = None,
                    limit: int = 3) -> list[str]:
        """Readable questions for the top candidates, slots filled from the question."""
        catalog = catalog or self.catalog("en")
        w = _Writer(self.kb, catalog)
        out: list[str] = []
        for candidate in route.candidates:
            if candidate.intent in ("out_of_scope", *CONVERSATIONAL):
                continue
            if candidate.intent.startswith("faq:"):
                faq = self.kb.faq[candidate.intent[4:]]
                text = self._display(_as_question(faq.questions[0]))
            else:
                template = self._suggestion_template(candidate.intent, catalog)
                if template is None:
                    continue
                text = self._fill(template, route, ctx, w) or ""
            if text and text not in out:
                out.append(text)
            if len(out) == limit:
                break
        return out

    def _suggestion_template(self, intent_id: str, catalog: Catalog) -> str | None:
        if catalog.language != "en" and catalog.has(f"suggest.{intent_id}"):
            return catalog.get(f"suggest.{intent_id}")
        intent = self.kb.intents.get(intent_id)
        return intent.suggestion if intent is not None else None

    def _display(self, text: str) -> str:
        """Write acronyms and names in a curated phrasing as the knowledge base spells them."""
        spelled = self._spellings
        return re.sub(r"[\w’'-]+", lambda m: spelled.get(m.group(0).casefold(), m.group(0)),
                      text)

    @cached_property
    def _spellings(self) -> dict[str, str]:
        spelled = {a.casefold(): a for org in self.kb.organizations.values()
                   for a in org.acronyms}
        names = [p.name for p in self.kb.people.values()]
        names += [t for o in self.kb.organizations.values() for t in (o.name, *o.aliases)]
        names += [e.name for e in self.kb.events.values()]
        for name in names:
            for word in re.findall(r"[\w-]+", name):
                if word[:1].isupper() and word.isascii():
                    spelled.setdefault(word.casefold(), word)
        return spelled

    def _fill(self, template: str, route: Route, ctx: Context, w: _Writer) -> str | None:
        pools: dict[str, list[str]] = {
            "person": [w.name(i) for i in route.ids("person") or ctx.people
                       if i in self.kb.people],
            "role": [w.role(i) for i in route.ids("role") or ctx.roles if i in self.kb.roles],
            "org": [w.org_label(i) for i in route.ids("org") or ctx.orgs
                    if i in self.kb.organizations],
            "event": [w.event(i) for i in route.ids("event") or ctx.events
                      if i in self.kb.events],
            "date": [w.date(i) for i in route.ids("date")],
        }
        return _substitute(template, pools)

    def _starter_questions(self, catalog: Catalog) -> tuple[str, ...]:
        """Example questions that have real answers, for greetings and help."""
        w = _Writer(self.kb, catalog)
        meetings = self.kb.lookups.meetings
        people = list(meetings[0].participants) if meetings else []
        held = [r.id for r in self.kb.roles.values()
                if any(h.role == r.id for p in self.kb.people.values() for h in p.roles)]
        pools = {"person": [w.name(p) for p in people], "role": [w.role(r) for r in held],
                 "org": [], "event": [], "date": []}
        out = []
        for intent_id in ("role_holder", "person_meetings", "meeting_topics"):
            template = self._suggestion_template(intent_id, catalog)
            text = _substitute(template, pools) if template else None
            if text:
                out.append(text)
        return tuple(out)

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
        people, events, meeting = base.people, base.events, None
        if len(meetings) == 1:
            people = tuple(dict.fromkeys((*route.ids("person"), *meetings[0].participants)))
            events = (meetings[0].event,) if meetings[0].event else base.events
            meeting = meetings[0].id
        return replace(base, people=people, events=events, meeting=meeting)

    # -- helpers -----------------------------------------------------------------------
    def _holdings(self, role_id: str) -> list[tuple[str, Person, Cite]]:
        """Every (as_of, person, cite) for ``role_id``, newest first."""
        return list(self.kb.lookups.holders.get(role_id, ()))

    def _people_in(self, route: Route) -> list[str]:
        return route.ids("person")

    def _meetings_between(self, people: Sequence[str]) -> list[Meeting]:
        return self.kb.lookups.meetings_of(people)

    def _participants(self, meeting: Meeting, w: _Writer, exclude: str | None = None) -> str:
        return w.people([p for p in meeting.participants if p != exclude])

    def _when(self, meeting: Meeting, w: _Writer) -> str:
        key = "when.meeting" if meeting.date_kind == "meeting" else "when.report"
        return w.t(key, date=w.date(meeting.date))

    def _pair(self, route: Route, ctx: Context) -> tuple[list[str], list[Meeting]]:
        """The people a two-person question is about, and their meetings."""
        people = self._people_in(route)[:2]
        if people:
            return people, self._meetings_between(people)
        if ctx.meeting and ctx.meeting in self.kb.meetings:
            meeting = self.kb.meetings[ctx.meeting]
            return list(meeting.participants), [meeting]
        return [], []

    def _with_role(self, person_id: str, date: str, w: _Writer) -> str:
        person = self.kb.people[person_id]
        holdings = [h for h in person.roles if h.as_of <= date] or list(person.roles)
        if not holdings:
            return w.name(person_id)
        role = max(holdings, key=lambda h: h.as_of).role
        return w.t("person_with_role", name=w.name(person_id), role=w.role(role))

    # -- answer functions --------------------------------------------------------------
    def _who_is(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        person_id = self._people_in(route)[0]
        person = self.kb.people[person_id]
        holdings = sorted(person.roles, key=lambda h: h.as_of, reverse=True)
        if not holdings and person.cite:
            w.line("who_is.mentioned", name=w.name(person_id), cite=w.cite(person.cite))
        for index, holding in enumerate(holdings):
            key = "who_is.role" if index == 0 else "who_is.also_role"
            w.line(key, name=w.name(person_id), role=w.role(holding.role),
                   date=w.date(holding.as_of), cite=w.cite(holding.cite))
            later = [row for row in self._holdings(holding.role)
                     if row[0] > holding.as_of and row[1].id != person.id]
            if later:
                as_of, successor, successor_cite = later[0]
                w.line("who_is.successor", date=w.date(as_of), role=w.role(holding.role),
                       name=w.name(successor.id), cite=w.cite(successor_cite))
        meetings = self._meetings_between([person_id])
        if meetings:
            others = [self._participants(m, w, exclude=person_id) for m in meetings]
            w.line("who_is.met", name=w.surname(person_id), others=w.join(others))
        roles = tuple(h.role for h in holdings)
        orgs = tuple(o for o in (self.kb.roles[r].organization for r in roles) if o)
        context = replace(self._remember(route, ctx), people=(person_id,),
                          roles=roles or ctx.roles, orgs=orgs or ctx.orgs, meeting=None)
        return Outcome(w, context=context,
                       follow_ups=(w.t("follow.whom_met", name=w.name(person_id)),))

    def _role_holder(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        roles = route.ids("role") or list(ctx.roles)
        if not roles:
            orgs = route.ids("org") or list(ctx.orgs)
            if orgs:
                return self._head_of(orgs[0], route, w)
            return self._org_head(route, ctx, w)
        return self._holder_answer(roles[0], route, w)

    def _holder_answer(self, role_id: str, route: Route, w: _Writer) -> Outcome:
        role = self.kb.roles[role_id]
        rows = self._holdings(role_id)
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

    def _org_head(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        orgs = route.ids("org") or list(ctx.orgs)
        if not orgs:
            roles = route.ids("role")
            if roles:
                return self._holder_answer(roles[0], route, w)
            w.line("org.which")
            return Outcome(w, kind="negative")
        return self._head_of(orgs[0], route, w)

    def _head_of(self, org_id: str, route: Route, w: _Writer) -> Outcome:
        heads = [r for r in self.kb.roles.values() if r.organization == org_id and r.head]
        if not heads:
            w.line("org.no_head", org=w.org_name(org_id))
            return Outcome(w, kind="negative", context=Context(orgs=(org_id,)))
        return self._holder_answer(heads[0].id, route, w)

    def _org_info(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        org = self.kb.organizations[(route.ids("org") or list(ctx.orgs))[0]]
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
        heads = [r for r in self.kb.roles.values() if r.organization == org.id and r.head]
        holders: list[str] = []
        for role in heads:
            rows = self._holdings(role.id)
            if rows:
                as_of, person, cite = rows[0]
                holders.append(person.id)
                w.line("org.head", name=w.name(person.id), role=w.role(role.id),
                       date=w.date(as_of), cite=w.cite(cite))
        context = replace(self._remember(route, ctx), orgs=(org.id,),
                          roles=tuple(r.id for r in heads) or ctx.roles,
                          people=tuple(holders) or ctx.people)
        return Outcome(w, context=context)

    def _person_meetings(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        person_id = self._people_in(route)[0]
        meetings = self._meetings_between([person_id])
        dates = route.ids("date")
        if dates:
            meetings = [m for m in meetings if date_in(m.date, dates[0])]
        if not meetings:
            if dates:
                w.line("person_meetings.none_in", name=w.name(person_id),
                       period=w.date(dates[0]))
            else:
                w.line("person_meetings.none", name=w.name(person_id))
            return Outcome(w, kind="negative")
        w.line("person_meetings.header", name=w.name(person_id), count=len(meetings))
        lines = []
        for m in meetings[:LIST_LIMIT]:
            others = [p for p in m.participants if p != person_id]
            who = w.join([self._with_role(p, m.date, w) for p in others])
            lines.append(w.t("person_meetings.line", who=who, when=self._when(m, w),
                             cite=w.cite(m.summary.cite)))
        if len(meetings) > LIST_LIMIT:
            lines.append(w.t("list.more", count=len(meetings) - LIST_LIMIT))
        w.say("\n".join(lines))
        follow = (w.t("follow.discuss_with", a=w.surname(person_id),
                      b=w.surname(meetings[0].participants[-1])),)
        context = replace(self._with_meeting(route, ctx, meetings),
                          people=(person_id, *(p for m in meetings for p in m.participants
                                               if p != person_id)))
        return Outcome(w, context=context, follow_ups=follow)

    def _meeting_date(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        people, meetings = self._pair(route, ctx)
        if not meetings:
            return self._no_meeting(w, people)
        for m in meetings:
            cite = w.cite(m.date_cite or m.summary.cite)
            key = "meeting_date.meeting" if m.date_kind == "meeting" else "meeting_date.report"
            w.line(key, people=self._participants(m, w), date=w.date(m.date), cite=cite)
        return Outcome(w, context=self._with_meeting(route, ctx, meetings),
                       follow_ups=(w.t("follow.what_discuss"),))

    def _no_meeting(self, w: _Writer, people: Sequence[str]) -> Outcome:
        if len(people) >= 2:
            w.line("no_meeting.pair", a=w.name(people[0]), b=w.name(people[1]))
            for pid in people[:2]:
                met = self._meetings_between([pid])
                if met:
                    others = w.join([self._participants(m, w, exclude=pid) for m in met])
                    w.line("no_meeting.they_met", name=w.surname(pid), others=others)
        elif people:
            w.line("no_meeting.one", name=w.name(people[0]))
        else:
            examples = self._starter_questions(w.catalog)
            w.line("no_meeting.whose", example=examples[-1] if examples else "")
        return Outcome(w, kind="negative", context=Context(people=tuple(people)))

    def _meeting_place(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        people, meetings = self._pair(route, ctx)
        if not meetings:
            return self._no_meeting(w, people)
        negative = True
        for m in meetings:
            label = self._participants(m, w)
            if m.place:
                w.line("place.met_in", people=label, place=m.place,
                       cite=w.cite(m.place_cite or m.summary.cite))
                negative = False
            else:
                w.line("place.unknown", people=label)
            if m.event:
                event = self.kb.events[m.event]
                w.line("place.event", event=w.event(event.id), cite=w.cite(m.summary.cite))
                if event.place:
                    w.line("place.event_in", event=w.event(event.id), place=event.place,
                           cite=w.cite(event.place_cite or event.facts[0].cite))
                else:
                    w.line("place.event_unknown", event=w.event(event.id))
        return Outcome(w, kind="negative" if negative else "answer",
                       context=self._with_meeting(route, ctx, meetings))

    def _meeting_topics(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        people, meetings = self._pair(route, ctx)
        if not meetings:
            return self._no_meeting(w, people)
        for m in meetings:
            if not m.topics:
                w.line("topics.none", people=self._participants(m, w))
                continue
            sep = w.catalog.raw("topics.separator")
            topics = sep.join(f"{_tr(t.text, t.translations, w.lang)} {w.cite(t.cite)}"
                              for t in m.topics)
            w.line("topics.list", people=self._participants(m, w), topics=topics)
        follow: tuple[str, ...] = ()
        if len(meetings) == 1 and meetings[0].statements:
            follow = (w.t("follow.what_say", name=w.surname(meetings[0].statements[0].speaker)),)
        return Outcome(w, context=self._with_meeting(route, ctx, meetings), follow_ups=follow)

    def _did_meet(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        people, meetings = self._pair(route, ctx)
        if len(people) < 2 or not meetings:
            if len(people) == 1 and meetings:
                m = meetings[0]
                w.line("did_meet.yes", people=self._participants(m, w),
                       when=self._when(m, w), cite=w.cite(m.summary.cite))
                return Outcome(w, context=self._with_meeting(route, ctx, [m]))
            return self._no_meeting(w, people)
        for m in meetings:
            w.line("did_meet.yes", people=self._participants(m, w), when=self._when(m, w),
                   cite=w.cite(m.summary.cite))
        return Outcome(w, context=self._with_meeting(route, ctx, meetings),
                       follow_ups=(w.t("follow.what_discuss"),))

    def _statements(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        speaker = self._people_in(route)[0]
        said = list(self.kb.lookups.said_by.get(speaker, ()))
        topic = [*route.topic, *(self._topic_names(m) for m in route.mentions
                                 if m.kind in ("event", "org", "role", "date")
                                 and m.text != "(context)")]
        topic = [t for t in topic if t not in ("meeting", "there", "then")]
        if (ctx.meeting and set(route.words) & self.router.back_references
                and any(m.id == ctx.meeting for m, _ in said)):
            said = [(m, s) for m, s in said if m.id == ctx.meeting]  # "in that meeting"
        elif not topic and set(route.words) & (self.router.back_references
                                                - self.router.female - self.router.male):
            topic = list(ctx.topic) + [self.kb.events[e].name for e in ctx.events
                                       if e in self.kb.events][:1]
        if not said:
            w.line("statements.none", name=w.name(speaker))
            return Outcome(w, kind="negative", context=Context(people=(speaker,)))
        if topic:
            scored = sorted(((self._topic_score(s, topic), m, s) for m, s in said),
                            key=lambda row: -row[0])
            relevant = [(m, s) for score, m, s in scored if score >= 0.5]  # best first
            if not relevant:
                w.line("statements.none_topic", name=w.name(speaker), topic=" ".join(topic))
                subjects = sorted({k for _, s in said for k in s.keywords[:2]})
                if subjects:
                    w.line("statements.subjects", name=w.surname(speaker),
                           subjects=", ".join(subjects[:8]))
                return Outcome(w, kind="negative", context=Context(people=(speaker,)))
            said = relevant
        for _meeting, s in said[:3]:
            w.say(self._statement_line(speaker, s, w))
        if len(said) > 3:
            w.line("statements.more", count=len(said) - 3)
        context = replace(self._with_meeting(route, ctx, [said[0][0]]), topic=tuple(topic))
        return Outcome(w, context=context)

    def _topic_names(self, mention: Mention) -> str:
        """An entity named as a topic, in the words the (English) sources use for it."""
        if mention.kind == "org" and mention.id in self.kb.organizations:
            org = self.kb.organizations[mention.id]
            return " ".join([*org.acronyms[:1]] or [org.name])
        if mention.kind == "event" and mention.id in self.kb.events:
            return self.kb.events[mention.id].name
        if mention.kind == "role" and mention.id in self.kb.roles:
            return self.kb.roles[mention.id].name
        return mention.text

    def _statement_line(self, speaker: str, s: Statement, w: _Writer) -> str:
        quote = squash_whitespace(s.cite.quote)
        key = "statements.direct" if s.kind == "direct" else "statements.reported"
        return w.t(key, name=w.name(speaker), quote=quote, cite=w.cite(s.cite))

    def _topic_score(self, statement: Statement, topic: Sequence[str]) -> float:
        """Share of the topic's words the statement (quote and keywords) speaks of."""
        haystack, prefixes = self._haystack(statement)
        words = [t for t in normalize(" ".join(topic)).split() if len(t) > 2]
        if not words:
            return 0.0
        hits = 0
        for word in words:
            if word in haystack or (len(word) >= 5 and word[:5] in prefixes) or (
                    process.extractOne(word, haystack, scorer=fuzz.ratio, score_cutoff=85)):
                hits += 1
        return hits / len(words)

    def _haystack(self, statement: Statement) -> tuple[list[str], frozenset[str]]:
        key = id(statement)
        cached = self._haystacks.get(key)
        if cached is None:
            words = sorted({sys.intern(w) for w in normalize(
                " ".join((statement.cite.quote, *statement.keywords))).split()})
            cached = (words, frozenset(sys.intern(w[:5]) for w in words if len(w) >= 5))
            self._haystacks[key] = cached
        return cached

    def _who_said(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        query = " ".join(route.topic) or " ".join(route.words)
        best: tuple[float, Meeting, Statement] | None = None
        found = self.router.best_statement(normalize(query))
        if found is not None:
            meeting_id, index, _ = self.router.statements[found[1]]
            meeting = self.kb.meetings[meeting_id]
            best = (found[0], meeting, meeting.statements[index])
        if best is None or best[0] < 75 or len(query) < 8:
            quoted = " ".join(m.text for m in route.mentions if m.kind == "quote") or query
            content = [x for x in quoted.split() if x not in self.router.stopwords]
            if content and all(self.router.is_unknown(x) for x in content):
                # Only words the sources never use: a quotation from somewhere else entirely.
                w.line("out_of_scope")
                return Outcome(w, kind="decline")
            w.line("who_said.none")
            return Outcome(w, kind="negative")
        _, meeting, statement = best
        speaker = statement.speaker
        person = self.kb.people[speaker]
        latest = max(person.roles, key=lambda h: h.as_of).role if person.roles else None
        who = (w.t("person_with_role", name=w.name(speaker), role=w.role(latest))
               if latest else w.name(speaker))
        w.line("who_said.who", who=who, others=self._participants(meeting, w, exclude=speaker),
               when=self._when(meeting, w))
        w.say(self._statement_line(speaker, statement, w))
        return Outcome(w, context=self._with_meeting(route, ctx, [meeting]))

    def _filtered_meetings(self, route: Route, w: _Writer) -> tuple[list[Meeting], str]:
        labels = []
        people = route.ids("person")
        if people:
            labels.append(w.t("filter.of", names=w.people(people)))
        events = route.ids("event")
        if events:
            labels.append(w.t("filter.at", event=w.event(events[0])))
        dates = route.ids("date")
        if dates:
            labels.append(w.t("filter.in", period=w.date(dates[0])))
        meetings = self.kb.lookups.meetings_matching(
            people, events[0] if events else None, dates[0] if dates else None)
        return meetings, " ".join(labels)

    def _list_meetings(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        meetings, label = self._filtered_meetings(route, w)
        if not meetings:
            w.line("list.none", filter=label)
            return Outcome(w, kind="negative")
        w.line("list.header", count=len(meetings), filter=label)
        w.say("\n".join(
            w.t("list.line", date=w.date(m.date), people=self._participants(m, w),
                event=w.t("list.event", event=w.event(m.event)) if m.event else "",
                cite=w.cite(m.summary.cite))
            for m in meetings[:LIST_LIMIT]))
        if len(meetings) > LIST_LIMIT:
            w.line("list.more", count=len(meetings) - LIST_LIMIT)
        return Outcome(w, context=self._with_meeting(route, ctx, meetings))

    def _count_meetings(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        meetings, label = self._filtered_meetings(route, w)
        if not meetings:
            w.line("list.none", filter=label)
            return Outcome(w, kind="negative")
        shown = meetings[:LIST_LIMIT]
        marks = w.cites(m.summary.cite for m in shown)
        people = [self._participants(m, w) for m in shown]
        if len(meetings) > LIST_LIMIT:
            people.append(w.t("list.others", count=len(meetings) - LIST_LIMIT))
        w.line("count.line", count=len(meetings), filter=label, people=w.join(people),
               cites=marks)
        return Outcome(w, context=self._with_meeting(route, ctx, meetings))

    def _event(self, route: Route, ctx: Context) -> str:
        return (route.ids("event") or list(ctx.events))[0]

    def _event_info(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        event = self.kb.events[self._event(route, ctx)]
        where = w.t("event.in_place", place=event.place) if event.place else ""
        when = w.t("event.in_date", date=w.date(event.date)) if event.date else ""
        if where or when:
            cites = [c for c in (event.date_cite, event.place_cite) if c is not None]
            w.line("event.took_place", event=w.event(event.id), where=" " + where,
                   when=" " + when, cites=w.cites(cites))
        for fact in event.facts:
            w.say(f"{_tr(fact.text, fact.translations, w.lang)} {w.cite(fact.cite)}")
        meetings = list(self.kb.lookups.by_event.get(event.id, ()))
        if meetings:
            w.line("event.linked", people=w.join([self._participants(m, w) for m in meetings]),
                   cites=w.cites(m.summary.cite for m in meetings))
        return Outcome(w, context=replace(self._remember(route, ctx), events=(event.id,)))

    def _event_when(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        event = self.kb.events[self._event(route, ctx)]
        context = replace(self._remember(route, ctx), events=(event.id,))
        if event.date:
            key = "event_when.day" if len(event.date) == 10 else "event_when.year"
            w.line(key, event=w.event(event.id), date=w.date(event.date),
                   cite=w.cite(event.date_cite or event.facts[0].cite))
            return Outcome(w, context=context)
        w.line("event_when.unknown", event=w.event(event.id))
        meetings = list(self.kb.lookups.by_event.get(event.id, ()))
        if meetings:
            m = meetings[0]
            w.line("event_when.report", date=w.date(m.date),
                   cite=w.cite(m.date_cite or m.summary.cite))
        return Outcome(w, kind="negative", context=context)

    def _event_where(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        event = self.kb.events[self._event(route, ctx)]
        context = replace(self._remember(route, ctx), events=(event.id,))
        if event.place:
            w.line("event_where.place", event=w.event(event.id), place=event.place,
                   cite=w.cite(event.place_cite or event.facts[0].cite))
            return Outcome(w, context=context)
        w.line("event_where.unknown", event=w.event(event.id))
        return Outcome(w, kind="negative", context=context)

    def _source_citation(self, source_id: str) -> Citation:
        doc = self.kb.sources[source_id]
        return Citation(source_id, doc.meta.title, doc.meta.publisher, doc.meta.url,
                        doc.meta.published, _lead_sentence(doc.text))

    def _source_lines(self, ids: Sequence[str], w: _Writer) -> str:
        lines = []
        for sid in ids:
            citation = self._source_citation(sid)
            number = w.add(citation)
            lines.append(w.t("source.line", title=citation.title,
                             publisher=citation.publisher, date=w.date(citation.date),
                             url=citation.url, cite=f"[{number}]"))
        return "\n".join(lines)

    def _source(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        ids = [s for s in ctx.sources if s in self.kb.sources]
        people = route.ids("person")
        if people:
            meetings = self._meetings_between(people[:2])
            ids = list(dict.fromkeys(m.summary.cite.source for m in meetings)) or ids
        if not ids:
            return replace(self._list_sources(route, ctx, w), intent="list_sources")
        w.line("source.header")
        w.say(self._source_lines(ids, w))
        return Outcome(w, context=ctx)

    def _list_sources(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        docs = sorted(self.kb.sources.values(), key=lambda d: d.meta.published)
        w.line("sources.header", count=len(docs))
        w.say(self._source_lines([d.meta.id for d in docs], w))
        return Outcome(w, context=ctx)

    def _list_people(self, route: Route, ctx: Context, w: _Writer) -> Outcome:
        people = sorted(self.kb.people.values(), key=lambda p: p.name.split()[-1])
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

    def _faq(self, faq_id: str, route: Route, ctx: Context, w: _Writer) -> Outcome:
        faq = self.kb.faq[faq_id]
        w.say(f"{_tr(faq.answer, faq.translations, w.lang)} {w.cites(faq.cites)}")
        return Outcome(w)

    # -- browsing (used by /meetings, /people in front ends) ---------------------------
    def meeting_summary(self, meeting_id: str, *, lang: str = "en") -> Answer:
        """Answer "tell me about this meeting" for one meeting id (menus and buttons)."""
        m = self.kb.meetings[meeting_id]
        w = _Writer(self.kb, self.catalog(lang))
        w.line("summary.title", title=_tr(m.title, m.translations, w.lang),
               when=self._when(m, w))
        w.say(f"{_tr(m.summary.text, m.summary.translations, w.lang)} "
              f"{w.cite(m.summary.cite)}")
        if m.topics:
            sep = w.catalog.raw("topics.separator")
            w.line("summary.discussed", topics=sep.join(
                f"{_tr(t.text, t.translations, w.lang)} {w.cite(t.cite)}" for t in m.topics))
        ctx = Context(people=tuple(m.participants), meeting=m.id, intent="meeting_topics",
                      events=(m.event,) if m.event else (),
                      sources=tuple(dict.fromkeys(c.source for c in w.citations)))
        return Answer(_tr(m.title, m.translations, w.lang), True, w.text, "meeting_summary",
                      1.0, tuple(w.citations), context=ctx, lang=w.lang)


def _substitute(template: str, pools: Mapping[str, list[str]]) -> str | None:
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
        return _SLOT.sub(sub, template)
    except LookupError:
        return None


def _lead_sentence(text: str) -> str:
    for line in text.splitlines():
        line = squash_whitespace(line)
        if len(line.split()) >= 8:
            return line[:300] if len(line) > 300 else line
    return squash_whitespace(text)[:200]


def _as_question(text: str) -> str:
    text = text.strip().rstrip("?.! ")
    return text[:1].upper() + text[1:] + "?"


def mentions_of(route: Route, kind: str) -> list[Mention]:
    """Return the route's mentions of ``kind`` (for /why displays)."""
    return [m for m in route.mentions if m.kind == kind]


HANDLERS: dict[str, Handler] = {
    "who_is": Engine._who_is,
    "role_holder": Engine._role_holder,
    "org_head": Engine._org_head,
    "org_info": Engine._org_info,
    "person_meetings": Engine._person_meetings,
    "meeting_date": Engine._meeting_date,
    "meeting_place": Engine._meeting_place,
    "meeting_topics": Engine._meeting_topics,
    "did_meet": Engine._did_meet,
    "statements": Engine._statements,
    "who_said": Engine._who_said,
    "list_meetings": Engine._list_meetings,
    "count_meetings": Engine._count_meetings,
    "event_info": Engine._event_info,
    "event_when": Engine._event_when,
    "event_where": Engine._event_where,
    "source": Engine._source,
    "list_sources": Engine._list_sources,
    "list_people": Engine._list_people,
}
"""The answer for each intent (functions, not bound methods: an engine holds no cycle, so a
replaced one is freed at once)."""
