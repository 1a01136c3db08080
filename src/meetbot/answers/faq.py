"""Answers to curated questions: a FAQ entry's answer with its citations."""

from __future__ import annotations

from meetbot.answers.registry import Outcome
from meetbot.answers.writer import Writer
from meetbot.lang.catalog import translated


def faq_answer(faq_id: str, w: Writer) -> Outcome:
    """The curated answer of the FAQ entry ``faq_id``, in the writer's language."""
    faq = w.kb.faq[faq_id]
    w.say(f"{translated(faq.answer, faq.translations, w.lang)} {w.cites(faq.cites)}")
    return Outcome(w)
