"""Answers about meetings: whom someone met, when, where, what about, lists, counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from meetbot.answers.common import LIST_LIMIT, pair, participants, when, with_role
from meetbot.answers.registry import Outcome, answers
from meetbot.answers.writer import Writer
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context, with_meeting
from meetbot.domain.knowledge import KnowledgeBase, date_in
from meetbot.domain.route import Route
from meetbot.domain.schema import Meeting
from meetbot.lang.catalog import translated

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine


@answers("person_meetings")
def person_meetings(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    person_id = route.ids("person")[0]
    meetings = engine.kb.lookups.meetings_of([person_id])
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
        who = w.join([with_role(p, m.date, w) for p in others])
        lines.append(w.t("person_meetings.line", who=who, when=when(m, w),
                         cite=w.cite(m.summary.cite)))
    if len(meetings) > LIST_LIMIT:
        lines.append(w.t("list.more", count=len(meetings) - LIST_LIMIT))
    w.say("\n".join(lines))
    follow = (w.t("follow.discuss_with", a=w.surname(person_id),
                  b=w.surname(meetings[0].participants[-1])),)
    context = replace(with_meeting(ctx, route, meetings),
                      people=(person_id, *(p for m in meetings for p in m.participants
                                           if p != person_id)))
    return Outcome(w, context=context, follow_ups=follow)


def asked_meetings(engine: Engine, route: Route, ctx: Context, w: Writer, *,
                   same_host: bool = False) -> tuple[list[Meeting], Outcome | None]:
    """The meetings a question about two people (or the meeting under discussion) is about,
    within its date; else the answer that says there is none (``same_host``: two people who
    never met one another stand for their meetings with one same person, "what was
    discussed with Telalian and Braathu")."""
    people, meetings = pair(engine.kb, route, ctx)
    if not meetings and same_host:
        meetings = each_with_the_same_host(engine.kb, people)
    if not meetings:
        return [], no_meeting(engine, w, people)
    return in_period(route, ctx, w, meetings)


@answers("meeting_date")
def meeting_date(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    meetings, declined = asked_meetings(engine, route, ctx, w)
    if declined is not None:
        return declined
    for m in meetings:
        cite = w.cite(m.date_cite or m.summary.cite)
        key = "meeting_date.meeting" if m.date_kind == "meeting" else "meeting_date.report"
        w.line(key, people=participants(m, w), date=w.date(m.date), cite=cite)
    return Outcome(w, context=with_meeting(ctx, route, meetings),
                   follow_ups=(w.t("follow.what_discuss"),))


def each_with_the_same_host(kb: KnowledgeBase, people: Sequence[str]) -> list[Meeting]:
    """The meetings of each of ``people`` with one and the same other person, when they
    never met one another ("the meetings with Telalian and Braathu": each with the minister)."""
    if len(people) < 2:
        return []
    each = [kb.lookups.meetings_of([p]) for p in people]
    hosts = set.intersection(*({q for m in met for q in m.participants} - set(people)
                               for met in each))
    if len(hosts) != 1:
        return []
    return sorted({m.id: m for met in each for m in met if hosts <= set(m.participants)}
                  .values(), key=lambda m: (m.date, m.id))


def in_period(route: Route, ctx: Context, w: Writer, meetings: list[Meeting], *,
              answer: str | None = None) -> tuple[list[Meeting], Outcome | None]:
    """The meetings within the question's date ("in 2021", "in June"), if it gives one; when
    none is, the answer that says so, with the meetings the sources do record (``answer``:
    the catalogue key of a "No." to open it with)."""
    dates = route.ids("date")
    if not dates:
        return meetings, None
    within = [m for m in meetings if date_in(m.date, dates[0])]
    if within:
        return within, None
    if answer:
        w.line(answer)
    w.line("no_meeting.in_period", people=participants(meetings[0], w),
           period=w.date(dates[0]))
    for m in meetings:
        w.line("no_meeting.on_record", when=when(m, w), cite=w.cite(m.date_cite or
                                                                     m.summary.cite))
    return meetings, Outcome(w, kind="negative", context=with_meeting(ctx, route, meetings))


def no_meeting(engine: Engine, w: Writer, people: Sequence[str]) -> Outcome:
    if len(people) >= 2:
        w.line("no_meeting.pair", a=w.name(people[0]), b=w.name(people[1]))
        for pid in people[:2]:
            met = engine.kb.lookups.meetings_of([pid])
            if met:
                others = w.join([participants(m, w, exclude=pid) for m in met])
                w.line("no_meeting.they_met", name=w.surname(pid), others=others)
    elif people:
        w.line("no_meeting.one", name=w.name(people[0]))
    else:
        examples = engine.suggester.starters(w.catalog)
        w.line("no_meeting.whose", example=examples[-1] if examples else "")
    return Outcome(w, kind="negative", context=Context(people=tuple(people)))


@answers("meeting_place")
def meeting_place(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    meetings, declined = asked_meetings(engine, route, ctx, w)
    if declined is not None:
        return declined
    negative = True
    for m in meetings:
        label = participants(m, w)
        if m.place:
            w.line("place.met_in", people=label, place=m.place,
                   cite=w.cite(m.place_cite or m.summary.cite))
            negative = False
        else:
            w.line("place.unknown", people=label)
        if m.event:
            event = engine.kb.events[m.event]
            w.line("place.event", event=w.event(event.id), cite=w.cite(m.summary.cite))
            if event.place:
                w.line("place.event_in", event=w.event(event.id), place=event.place,
                       cite=w.cite(event.place_cite or event.facts[0].cite))
            else:
                w.line("place.event_unknown", event=w.event(event.id))
    return Outcome(w, kind="negative" if negative else "answer",
                   context=with_meeting(ctx, route, meetings))


@answers("meeting_topics")
def meeting_topics(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    meetings, declined = asked_meetings(engine, route, ctx, w, same_host=True)
    if declined is not None:
        return declined
    for m in meetings:
        if not m.topics:
            w.line("topics.none", people=participants(m, w))
            continue
        sep = w.catalog.raw("topics.separator")
        topics = sep.join(f"{translated(t.text, t.translations, w.lang)} {w.cite(t.cite)}"
                          for t in m.topics)
        w.line("topics.list", people=participants(m, w), topics=topics)
    follow: tuple[str, ...] = ()
    if len(meetings) == 1 and meetings[0].statements:
        follow = (w.t("follow.what_say", name=w.surname(meetings[0].statements[0].speaker)),)
    return Outcome(w, context=with_meeting(ctx, route, meetings), follow_ups=follow)


@answers("did_meet")
def did_meet(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    people, meetings = pair(engine.kb, route, ctx)
    if meetings:
        meetings, other_time = in_period(route, ctx, w, meetings, answer="did_meet.no")
        if other_time is not None:
            return other_time
    if len(people) < 2 or not meetings:
        if len(people) == 1 and meetings:
            m = meetings[0]
            w.line("did_meet.yes", people=participants(m, w),
                   when=when(m, w), cite=w.cite(m.summary.cite))
            return Outcome(w, context=with_meeting(ctx, route, [m]))
        return no_meeting(engine, w, people)
    for m in meetings:
        w.line("did_meet.yes", people=participants(m, w), when=when(m, w),
               cite=w.cite(m.summary.cite))
    return Outcome(w, context=with_meeting(ctx, route, meetings),
                   follow_ups=(w.t("follow.what_discuss"),))


def filtered_meetings(engine: Engine, route: Route, w: Writer) -> tuple[list[Meeting], str]:
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
    meetings = engine.kb.lookups.meetings_matching(
        people, events[0] if events else None, dates[0] if dates else None)
    return meetings, " ".join(labels)


@answers("list_meetings")
def list_meetings(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    meetings, label = filtered_meetings(engine, route, w)
    if not meetings:
        w.line("list.none", filter=label)
        return Outcome(w, kind="negative")
    w.line("list.header", count=len(meetings), filter=label)
    w.say("\n".join(
        w.t("list.line", date=w.date(m.date), people=participants(m, w),
            event=w.t("list.event", event=w.event(m.event)) if m.event else "",
            cite=w.cite(m.summary.cite))
        for m in meetings[:LIST_LIMIT]))
    if len(meetings) > LIST_LIMIT:
        w.line("list.more", count=len(meetings) - LIST_LIMIT)
    return Outcome(w, context=with_meeting(ctx, route, meetings))


@answers("count_meetings")
def count_meetings(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    meetings, label = filtered_meetings(engine, route, w)
    if not meetings:
        w.line("list.none", filter=label)
        return Outcome(w, kind="negative")
    shown = meetings[:LIST_LIMIT]
    marks = w.cites(m.summary.cite for m in shown)
    people = [participants(m, w) for m in shown]
    if len(meetings) > LIST_LIMIT:
        people.append(w.t("list.others", count=len(meetings) - LIST_LIMIT))
    w.line("count.line", count=len(meetings), filter=label, people=w.join(people),
           cites=marks)
    return Outcome(w, context=with_meeting(ctx, route, meetings))


def meeting_summary(engine: Engine, meeting_id: str, lang: str) -> Answer:
    """Answer "tell me about this meeting" for one meeting id (menus and buttons)."""
    m = engine.kb.meetings[meeting_id]
    w = Writer(engine.kb, engine.catalog(lang))
    title = translated(m.title, m.translations, w.lang)
    w.line("summary.title", title=title, when=when(m, w))
    w.say(f"{translated(m.summary.text, m.summary.translations, w.lang)} "
          f"{w.cite(m.summary.cite)}")
    if m.topics:
        sep = w.catalog.raw("topics.separator")
        w.line("summary.discussed", topics=sep.join(
            f"{translated(t.text, t.translations, w.lang)} {w.cite(t.cite)}"
            for t in m.topics))
    ctx = Context(people=tuple(m.participants), meeting=m.id, intent="meeting_topics",
                  events=(m.event,) if m.event else (),
                  sources=tuple(dict.fromkeys(c.source for c in w.citations)))
    return Answer(title, True, w.text, "meeting_summary", 1.0, tuple(w.citations),
                  context=ctx, lang=w.lang)
