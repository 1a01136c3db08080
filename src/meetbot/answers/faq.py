"""Answers to curated questions: a FAQ entry's answer with its citations."""

from __future__ import annotations

from meetbot.answers.registry import Outcome
from meetbot.answers.writer import Writer
from meetbot.domain.dialogue import Context, with_meeting
from meetbot.domain.route import Route
from meetbot.lang.catalog import translated


def faq_answer(faq_id: str, route: Route, ctx: Context, w: Writer) -> Outcome:
    """The curated answer of the FAQ entry ``faq_id``, in the writer's language.

    When the people the question names met once in the documents the answer cites, that
    meeting becomes the one under discussion ("and what did the other one say?").
    """
    faq = w.kb.faq[faq_id]
    w.say(f"{translated(faq.answer, faq.translations, w.lang)} {w.cites(faq.cites)}")
    cited = {cite.source for cite in faq.cites}
    people = route.ids("person")
    meetings = [m for m in w.kb.lookups.meetings_of(people)
                if m.summary.cite.source in cited] if people else []
    return Outcome(w, context=with_meeting(ctx, route, meetings) if len(meetings) == 1
                   else None)
