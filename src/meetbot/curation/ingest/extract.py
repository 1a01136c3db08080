"""Drafting: read a document as a curator would, one explicit step after another.

:func:`extract` returns a :class:`~meetbot.curation.ingest.entities.Draft`:

1. organisations written with their acronym ("Full Name (ACR)") or led by a known one's
   ("OSCE Programme Office in Dravik");
2. people (names beside a title, or known to the knowledge base), their roles and the
   organisations of the roles;
3. every mention of those people (full name, surname in any case, title alone);
4. candidate meetings ("met with", "received", "провела встречу с"), with date, place and
   every topic discussed;
5. statements, quoted and reported, with their speakers, attached to the speaker's meeting;
6. the knowledge base's events the text names.

Names are matched to the knowledge base through the router's alias index, so a known person
or organisation is referred to, not drafted again.
"""

from __future__ import annotations

from meetbot.curation.ingest.document import Document, FoundDate
from meetbot.curation.ingest.entities import Draft
from meetbot.curation.ingest.meetings import MeetingFinder
from meetbot.curation.ingest.mentions import MentionFinder
from meetbot.curation.ingest.orgs import OrgFinder
from meetbot.curation.ingest.people import PeopleFinder
from meetbot.curation.ingest.scope import Scope
from meetbot.curation.ingest.statements import StatementFinder, find_events
from meetbot.domain.knowledge import KnowledgeBase


def extract(kb: KnowledgeBase, doc: Document, source_id: str, published: str,
            found_date: FoundDate | None, language: str = "en") -> tuple[Draft, Scope]:
    """What ``doc`` reports, as a draft for source ``source_id`` published on ``published``.

    ``found_date`` is where the text states a date; it dates the draft's meetings only when
    it is the publication date. ``language`` is the document's (its vocabulary and, for
    Russian, its morphology). Returns the draft and the scope it was read in (the writer
    needs the knowledge base's names).
    """
    draft = Draft(source_id, published,
                  found_date if found_date and found_date.value == published else None)
    scope = Scope(kb, doc, draft, language)
    draft.orgs = OrgFinder(scope).run()
    PeopleFinder(scope).run()
    MentionFinder(scope).run()
    MeetingFinder(scope).run()
    StatementFinder(scope).run()
    draft.events = find_events(scope)
    return draft, scope
