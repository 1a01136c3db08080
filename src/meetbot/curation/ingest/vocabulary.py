"""The vocabulary of English press releases that drafting reads a document with (data only).

These are words of the documents, not of questions: titles of office, the words that make up
names of organisations, and the words of a news page around the article. Function words,
month names and pronouns are not here: they come from the message catalogues
(:class:`meetbot.lang.words.LanguageWords`).
"""

from __future__ import annotations

import calendar
import re

TITLE_WORDS = frozenset("""
    minister president secretary general director representative commissioner ambassador
    chairperson chairperson-in-office chair chairman chairwoman head envoy coordinator deputy
    prime vice governor mayor speaker chancellor king queen prince senator adviser advisor
    spokesperson spokesman spokeswoman chief special high first executive permanent acting
    emir sultan premier leader officer secretary-general vice-president undersecretary
    under-secretary counsellor councillor consul attache attaché rapporteur
""".split())
"""Words that make a capitalised run a title ("Minister of Foreign Affairs", "Director")."""
TITLE_HEADS = frozenset("""
    minister president secretary director representative commissioner ambassador chairperson
    chairperson-in-office chair chairman chairwoman head envoy coordinator governor mayor
    speaker chancellor king queen prince senator adviser advisor spokesperson spokesman
    spokeswoman chief emir sultan premier leader officer secretary-general vice-president
    undersecretary under-secretary counsellor consul rapporteur
""".split())
"""Title words that can stand for their holder on their own ("the Minister said")."""
ORG_WORDS = frozenset("""
    organization organisation office ministry republic kingdom federation union council
    centre center institute institutions institution democratic human rights security
    co-operation cooperation europe european nations united national minorities freedom media
    forum international summit conference programme program mission secretariat affairs
    foreign government state states prevention conflict commission committee parliament
    assembly bank agency department embassy chairpersonship presidency declaration agenda
    world global regional economic development trade fund court emblem official website
    press service news agency university college school academy group party
""".split())
"""Words of organisations' names: a capitalised run of them is no person's name."""
PAGE_WORDS = frozenset("""
    within but however according following meanwhile yesterday tomorrow mr mrs ms dr back
    print share read images image photo source sources note notes tags
""".split())
"""Capitalised words that start no name: discourse words, honorifics, a web page's buttons
and captions (with the catalogues' function words)."""
CONNECTORS = frozenset({"of", "the", "on", "for", "and", "in", "de", "du", "des", "von", "van",
                        "der", "da", "al", "el", "la", "le"})
"""Lower-case words that may stand inside a title or a name ("Minister of Foreign Affairs")."""
SLUG_SKIP = frozenset({"with", "meets", "met", "holds", "and", "to", "a"})
"""Words left out of ids made from a headline."""
WEEKDAYS = frozenset(name.lower() for name in calendar.day_name)
PRONOUNS = {"he": "male", "she": "female"}
"""Pronouns that stand for a speaker, and the gender they tell."""

MEET_RE = re.compile(r"\b(met with|meets with|met|meets|meeting with|held talks with|"
                     r"held a meeting with|held talks|had talks with|talks with|received)\b")
TOPIC_RE = re.compile(r"\b(discussed|discuss|focused on|focussed on|talked about|addressed|"
                      r"exchanged views on|reviewed|touched upon|considered)\s+")
TOPIC_TAIL_RE = re.compile(r"^\s*,?\s*(?:to discuss|on|about|regarding|concerning)\s+")
TOPIC_LEAD_RE = re.compile(r"^(?:and\s+|the\s+issues?\s+(?:of|related\s+to)\s+|"
                           r"issues?\s+(?:of|related\s+to)\s+|questions?\s+of\s+|"
                           r"matters?\s+of\s+|prospects\s+for\s+)", re.IGNORECASE)
SAY_RE = re.compile(r"\b(said|says|stated|states|noted|notes|added|adds|stressed|stresses|"
                    r"emphasi[sz]ed|underlined|remarked|declared|told|continued|concluded|"
                    r"explained|according to)\b", re.IGNORECASE)
OPENER_RE = re.compile(r"(?:During|At|In|After|Before|Within|On|Following|Upon|Speaking)\b"
                       r"[^,]*,")
"""An opening phrase before a sentence's subject ("During the meeting with X, ...")."""
MEETING_DATE_LEAD = (" on", " held on")
"""What comes right before a date that is the meeting's own ("met on 5 May 2026")."""
ORG_KINDS = (("ministry", frozenset({"ministry"})), ("government", frozenset({"government"})),
             ("country", frozenset({"republic", "kingdom", "federation", "principality"})),
             ("international organization",
              frozenset({"organization", "organisation", "union", "nations", "alliance"})))
"""An organisation's ``kind`` by a word of its name (else ``institution``)."""
