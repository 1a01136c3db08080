"""Answers about the sources: which document reported it, and every source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from meetbot.answers.registry import Outcome, answers
from meetbot.answers.writer import Writer
from meetbot.domain.answer import Citation
from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Route
from meetbot.lang.normalize import normalize, squash_whitespace

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine


def source_citation(kb: KnowledgeBase, source_id: str) -> Citation:
    doc = kb.sources[source_id]
    return Citation(source_id, doc.meta.title, doc.meta.publisher, doc.meta.url,
                    doc.meta.published, lead_sentence(doc.text))


def source_lines(kb: KnowledgeBase, ids: Sequence[str], w: Writer) -> str:
    lines = []
    for sid in ids:
        citation = source_citation(kb, sid)
        number = w.add(citation)
        lines.append(w.t("source.line", title=citation.title,
                         publisher=citation.publisher, date=w.date(citation.date),
                         url=citation.url, cite=f"[{number}]"))
    return "\n".join(lines)


@answers("source")
def source(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    ids = [s for s in ctx.sources if s in engine.kb.sources]
    people = route.ids("person")
    named = named_sources(engine.kb, route)
    if named:  # "when was the kt.kz article published?"
        ids = named
    elif people:
        meetings = engine.kb.lookups.meetings_of(people[:2])
        ids = list(dict.fromkeys(m.summary.cite.source for m in meetings)) or ids
    if not ids:
        return replace(list_sources(engine, route, ctx, w), intent="list_sources")
    w.line("source.header")
    w.say(source_lines(engine.kb, ids, w))
    return Outcome(w, context=ctx)


def named_sources(kb: KnowledgeBase, route: Route) -> list[str]:
    """The documents the question names by their site or publisher, each of them when the
    name is shared ("akorda.kz" for every document of that site)."""
    names = {normalize(m.text) for m in route.mentions if m.kind == "source"}
    if not names:
        return []
    return [sid for sid, doc in kb.sources.items()
            if names & {normalize(n) for n in doc.meta.names}
            or sid in route.ids("source")]


@answers("list_sources")
def list_sources(engine: Engine, route: Route, ctx: Context, w: Writer) -> Outcome:
    docs = sorted(engine.kb.sources.values(), key=lambda d: d.meta.published)
    w.line("sources.header", count=len(docs))
    w.say(source_lines(engine.kb, [d.meta.id for d in docs], w))
    return Outcome(w, context=ctx)


def lead_sentence(text: str) -> str:
    """The first line of a source with at least eight words: what it is about."""
    for line in text.splitlines():
        line = squash_whitespace(line)
        if len(line.split()) >= 8:
            return line[:300] if len(line) > 300 else line
    return squash_whitespace(text)[:200]
