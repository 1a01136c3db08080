"""Slot filling: the entries an intent needs, from the question or the conversation.

What each intent needs is declared in ``intents.yaml`` (``requires``, ``instead``, ``pair``,
``roles_as_people``, ``free_text``; see :class:`~meetbot.domain.schema.Intent`). An intent
that needs an entry the question does not name takes it from the previous turn when the
question refers back ("she", "they", "that meeting", or names nothing at all); without it,
the reading is less likely. Words the knowledge base has never seen make it less likely too.
"""

from __future__ import annotations

import re
from dataclasses import replace

from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import KnowledgeBase, date_in
from meetbot.domain.route import Candidate, Kind, Mention, Route
from meetbot.domain.schema import FaqEntry, Intent
from meetbot.lang.words import LanguageWords

UNKNOWN_WORD_PENALTY = 0.55
"""Confidence factor per unknown word that looks like a name (someone or something else)."""
ORDINARY_WORD_PENALTY = 0.8
"""Confidence factor per unknown word that is an ordinary word of a catalogue language."""
MISSING_ENTRY_PENALTY = 0.5
"""Confidence factor for an entry an intent needs that neither question nor context gives."""
UNUSED_PERSON_PENALTY = 0.7
"""Confidence factor per person named beyond those an intent's answer speaks of."""
FAQ = Intent(id="faq", description="A curated question", suggestion="-", examples=["-"],
             free_text=True)
"""What a FAQ entry needs: nothing; its phrasings name what it is about."""


def intent_spec(kb: KnowledgeBase, intent_id: str) -> Intent:
    """The declared needs of ``intent_id`` (a FAQ entry's for ``faq:...`` ids)."""
    if intent_id.startswith("faq:"):
        return FAQ
    return kb.intents.get(intent_id) or FAQ


YEAR_IN_TEXT = re.compile(r"\b(?:19|20)\d\d\b")
"""A year written in a text."""


def faq_dates(kb: KnowledgeBase, faq: FaqEntry) -> frozenset[str]:
    """The dates a FAQ answer is about: those of its sources, and the years it names."""
    found = {kb.sources[c.source].meta.published for c in faq.cites if c.source in kb.sources}
    found.update(YEAR_IN_TEXT.findall(" ".join((faq.answer, *faq.questions))))
    return frozenset(found)



class SlotFiller:
    """Fills an intent's slots from the question's mentions and the conversation."""

    def __init__(self, kb: KnowledgeBase, words: LanguageWords) -> None:
        self.kb = kb
        self.words = words
        self._personal = words.personal
        self._faq_dates = {faq.id: faq_dates(kb, faq) for faq in kb.faq.values()}

    def fit(self, candidate: Candidate, mentions: list[Mention], words: list[str],
            ctx: Context, unknown: tuple[str, ...], template: str,
            names: tuple[str, ...] = ()) -> Route:
        """Fill the candidate's slots from the question and context; score the result."""
        intent = candidate.intent
        spec = intent_spec(self.kb, intent)
        confidence = candidate.score
        if spec.roles_as_people:
            mentions = self.roles_as_people(mentions)
        resolved = list(mentions)
        used_context = False
        kinds = {m.kind for m in mentions}
        if "org" in kinds and "role" in kinds and not self._asked_org(mentions):
            kinds.discard("org")  # "the OSCE's media freedom man": the role is asked about
        refers_back = not self.words.back_references.isdisjoint(words) or not kinds - {"date"}
        satisfied = True
        for kind in spec.requires:
            if kind in kinds:
                continue
            carried = self.from_context(kind, words, ctx) if refers_back else []
            if carried:
                resolved.extend(carried)
                used_context = True
            elif spec.instead.get(kind) in kinds:
                continue
            else:
                confidence *= MISSING_ENTRY_PENALTY
                satisfied = False
        if spec.yes_no and self.words.is_wh_question(words):
            confidence *= MISSING_ENTRY_PENALTY  # "where did they meet" is not answered yes
        if spec.people is not None:
            named = len({m.id for m in mentions if m.kind == "person"
                         and m.text != "(context)"})
            confidence *= UNUSED_PERSON_PENALTY ** max(0, named - spec.people)
        dates = [m.id for m in mentions if m.kind == "date"]
        if dates and intent.startswith("faq:") and not any(
                date_in(d, dates[0]) for d in self._faq_dates.get(intent[4:], ())):
            confidence *= MISSING_ENTRY_PENALTY  # it asks about another time than it tells
        if spec.pair:
            people = [m for m in resolved if m.kind == "person"]
            if len(people) < 2 and ctx.people:
                carried = self.from_context("person", words, ctx)
                present = {m.id for m in people}
                extra = [m for m in carried if m.id not in present]
                if extra:
                    resolved.extend(extra[: 2 - len(people)])
                    used_context = True
            if (not any(m.kind == "person" for m in resolved) and ctx.meeting is None
                    and self.kb.lookups.only_meeting(
                        [m.id for m in mentions if m.kind == "event"], dates) is None):
                confidence *= MISSING_ENTRY_PENALTY
        fuzzy = [m.score / 100.0 for m in mentions if m.kind != "date"]
        if fuzzy:
            confidence *= min(1.0, 0.5 + 0.5 * min(fuzzy))
        free_text = spec.free_text and satisfied
        if unknown and (not free_text or candidate.missing):
            # an unknown word where a FAQ phrasing names someone is likely someone else
            confidence *= (UNKNOWN_WORD_PENALTY ** len(names)
                           * ORDINARY_WORD_PENALTY ** (len(unknown) - len(names)))
        return Route(intent, round(min(1.0, confidence), 4), tuple(resolved), (), template,
                     unknown=unknown, names=names, from_context=used_context)

    def _asked_org(self, mentions: list[Mention]) -> bool:
        """True when the question names an organisation other than those of the roles it
        names and the ones they are part of (there, the organisation only says whose role it
        is)."""
        roles, orgs = self.kb.roles, self.kb.organizations
        qualifying: set[str] = set()
        for mention in mentions:
            org = roles[mention.id].organization if mention.kind == "role" else None
            while org and org not in qualifying:
                qualifying.add(org)
                org = orgs[org].parent if org in orgs else None
        return any(m.kind == "org" and m.id not in qualifying for m in mentions)

    def pronouns_as_slots(self, words: list[str], mentions: list[Mention],
                          ctx: Context) -> tuple[list[str], list[Mention]] | None:
        """Read "she", "they", "it" as the slot they refer to, when the context has one."""
        thing: tuple[Kind, tuple[str, ...]] | None = (
            ("org", ctx.orgs) if ctx.orgs else ("event", ctx.events) if ctx.events else (
                ("role", ctx.roles) if ctx.roles else None))
        if thing is None and not ctx.people and not ctx.roles:
            return None  # nothing to refer back to (a first question)
        taken = {i for m in mentions for i in range(m.start, m.end)}
        extra: list[Mention] = []
        for i, word in enumerate(words):
            if i in taken:
                continue
            if word in self._personal and ctx.people:
                person = self._referent(word, ctx)
                if person is not None:
                    extra.append(Mention("person", person, "(context)", 100.0, i, i + 1))
            elif word in self._personal and ctx.roles:  # "he": whoever holds that post
                [holder] = self.roles_as_people([Mention("role", ctx.roles[0], "(context)",
                                                         100.0, i, i + 1)])
                extra.append(replace(holder, text="(context)"))
            elif word in self.words.things and thing is not None:
                kind, ids = thing
                extra.append(Mention(kind, ids[0], "(context)", 100.0, i, i + 1))
        if not extra:
            return None
        return list(words), sorted([*mentions, *extra], key=lambda m: m.start)

    def _referent(self, pronoun: str, ctx: Context) -> str | None:
        """The one person of the conversation ``pronoun`` stands for ("she": the woman of
        the two), or None when it may be either of them ("they", Kazakh "ол")."""
        female, male = pronoun in self.words.female, pronoun in self.words.male
        if pronoun in self.words.plural or (female == male and len(ctx.people) > 1):
            return None
        return self.from_context("person", [pronoun], ctx)[0].id

    def from_context(self, kind: Kind, words: list[str], ctx: Context) -> list[Mention]:
        """Mentions of ``kind`` carried over from the conversation, honouring pronouns.

        "she"/"her" put the women of the context first, "he"/"him" the men; people whose
        gender the knowledge base does not record stay in between.
        """
        if kind == "person":
            present = set(words)
            female, male = self.words.female, self.words.male
            wants = ("female" if present & female and not present & male else
                     "male" if present & male and not present & female else None)
            ids = list(ctx.people)
            if not self.words.others.isdisjoint(words) and len(ids) > 1:
                ids = ids[1:] + ids[:1]  # "the other one": not the one just talked about
            if wants:
                order = {wants: 0, None: 1}
                ids.sort(key=lambda pid: order.get(self._gender(pid), 2))
            return [Mention("person", pid, "(context)", 100.0) for pid in ids]
        pool = {"org": ctx.orgs, "role": ctx.roles, "event": ctx.events}.get(kind, ())
        return [Mention(kind, pool[0], "(context)", 100.0)] if pool else []

    def _gender(self, person_id: str) -> str | None:
        person = self.kb.people.get(person_id)
        return person.gender if person else None

    def roles_as_people(self, mentions: list[Mention]) -> list[Mention]:
        """Read a role ("the foreign minister") as the person holding it.

        The holder is the one who met another person named in the question, else the
        holder at the question's date, else the most recent one.
        """
        roles = [m for m in mentions if m.kind == "role"]
        if not roles:
            return mentions
        lookups = self.kb.lookups
        named = {m.id for m in mentions if m.kind == "person"}
        for role in roles:  # a role only one person holds names that person
            ids = {person.id for _, person, _ in lookups.holders.get(role.id, ())}
            if len(ids) == 1:
                named |= ids
        dates = [m.id for m in mentions if m.kind == "date"]
        out: list[Mention] = []
        for mention in mentions:
            if mention.kind != "role":
                out.append(mention)
                continue
            holders = [(as_of, person.id) for as_of, person, _ in
                       lookups.holders.get(mention.id, ())]
            if not holders:
                out.append(mention)
                continue
            met = [pid for _, pid in holders if any(
                (named - {pid}) & set(m.participants) for m in lookups.by_person.get(pid, ()))]
            dated = [pid for as_of, pid in holders if dates and as_of.startswith(dates[0])]
            chosen = (met or dated or [holders[0][1]])[0]
            out.append(replace(mention, kind="person", id=chosen))
        return out
