"""Synthetic knowledge bases in meetbot's real schema, for the benchmarks.

``generate(directory, meetings, seed)`` writes a knowledge base that the real loader
(:func:`meetbot.store.load`) accepts: ``sources.yaml`` with ``sources/*.txt`` (one news
text per ~10 meetings, built from exactly the sentences that are cited from it, so every
quote is verbatim in its source), people with aliases (misspellings, titles, Cyrillic),
roles (with successions over time), organisations (countries, ministries, international
organisations and institutions with acronyms), events, meetings (participants, topics,
direct and reported statements), FAQ entries with three phrasings each, and ``intents.yaml``
copied verbatim from the shipped knowledge base (it holds the question phrasings).

Proportions for ``m`` meetings: people ≈ 1.5·m^0.8, organisations ≈ m/20 + 10, events
≈ m/25 + 3, FAQ entries ≈ m/50 + 5, sources ≈ m/10. Names come from a seeded syllable
generator; surnames are pairwise dissimilar (rapidfuzz ratio < 75) so that a one-letter
typo still points at one person. Large sections are split over several files
(``meetings-001.yaml`` ...) of at most 1,000 entries and well under the loader's 5 MB limit.

Run ``python benchmarks/synth.py DIR --meetings 1000`` to write one and verify it loads.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import random
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
INTENTS_FILE = ROOT / "knowledge" / "intents.yaml"
MAX_ENTRIES_PER_FILE = 1000
MAX_BYTES_PER_FILE = 4_000_000
FIRST_DAY = date(2010, 1, 1)
LAST_DAY = date(2025, 12, 31)

ONSETS = ("b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "ch", "kh",
          "br", "dr", "tr", "st", "zh", "f", "h")
SIMPLE_ONSETS = ("b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z")
VOWELS = ("a", "a", "e", "e", "i", "o", "o", "u")
CODAS = ("", "", "", "n", "r", "l", "s", "m", "k", "t")
SURNAME_ENDINGS = ("", "", "", "ov", "ev", "enko", "ani", "ides", "escu", "in", "er", "ic",
                   "sen", "yan")

TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("regional security", ("security", "regional security", "stability")),
    ("energy cooperation", ("energy", "oil", "gas", "energy cooperation")),
    ("transport corridors", ("transport", "logistics", "corridors", "transit")),
    ("water management", ("water", "rivers", "water resources")),
    ("climate change", ("climate", "climate change", "emissions")),
    ("trade and investment", ("trade", "investment", "economy")),
    ("media freedom", ("media", "press", "journalists")),
    ("human rights", ("human rights", "rights")),
    ("the rule of law", ("law", "justice", "courts")),
    ("election observation", ("elections", "observers", "voting")),
    ("border management", ("borders", "customs", "border security")),
    ("countering terrorism", ("terrorism", "extremism", "radicalisation")),
    ("cyber security", ("cyber", "internet", "digital security")),
    ("migration", ("migration", "migrants", "refugees")),
    ("education exchanges", ("education", "students", "universities")),
    ("public health", ("health", "medicine", "hospitals")),
    ("food security", ("food", "agriculture", "grain")),
    ("digital transformation", ("digital", "technology", "innovation")),
    ("gender equality", ("gender", "women", "equality")),
    ("youth policy", ("youth", "young people")),
    ("national minorities", ("minorities", "ethnic diversity", "interethnic harmony")),
    ("arms control", ("arms control", "disarmament", "weapons")),
    ("fighting corruption", ("corruption", "transparency", "integrity")),
    ("tourism development", ("tourism", "travel", "visas")),
    ("cultural heritage", ("culture", "heritage", "museums")),
    ("nuclear safety", ("nuclear", "radiation", "safety")),
    ("space research", ("space", "satellites")),
    ("financial stability", ("finance", "banks", "currency")),
    ("civil society", ("civil society", "NGOs")),
    ("environmental protection", ("environment", "ecology", "pollution")),
    ("mine clearance", ("mines", "demining")),
    ("drug trafficking", ("drugs", "trafficking", "narcotics")),
    ("labour migration", ("labour", "workers", "jobs")),
    ("renewable energy", ("renewables", "solar", "wind")),
    ("conflict prevention", ("mediation", "conflict prevention", "dialogue")),
    ("economic connectivity", ("connectivity", "economic ties", "supply chains")),
    ("humanitarian assistance", ("humanitarian aid", "assistance", "relief")),
    ("disaster response", ("disasters", "emergencies", "earthquakes")),
    ("artificial intelligence", ("artificial intelligence", "AI", "algorithms")),
    ("parliamentary cooperation", ("parliament", "lawmakers")),
    ("science and research", ("science", "research", "laboratories")),
    ("police reform", ("police", "policing", "law enforcement")),
    ("railway construction", ("railways", "trains", "infrastructure")),
    ("sports diplomacy", ("sport", "olympics", "athletes")),
    ("agricultural exports", ("exports", "farming", "wheat")),
    ("maritime safety", ("shipping", "ports", "sea")),
)
ORG_WORDS = ("Security", "Cooperation", "Trade", "Energy", "Water", "Health", "Culture",
             "Science", "Transport", "Migration", "Media", "Environment", "Development",
             "Education", "Agriculture", "Finance", "Justice", "Labour", "Tourism",
             "Statistics", "Youth", "Industry", "Innovation", "Climate", "Aviation",
             "Mining", "Forestry", "Peace", "Refugees", "Navigation")
BODIES = ("Organization", "Council", "Union", "Commission", "Agency", "Community",
          "Alliance", "Bank", "Conference", "Partnership")
EVENT_KINDS = ("Ministerial Council", "Summit", "Conference", "Assembly", "Ministerial Meeting")
BODY_RU = {"Organization": "Организация", "Council": "Совет", "Union": "Союз",
           "Commission": "Комиссия", "Agency": "Агентство", "Community": "Сообщество",
           "Alliance": "Альянс", "Bank": "Банк", "Conference": "Конференция",
           "Partnership": "Партнёрство", "Institute": "Институт"}
EVENT_KIND_RU = {"Ministerial Council": "Совет министров", "Summit": "Саммит",
                 "Conference": "Конференция", "Assembly": "Ассамблея",
                 "Ministerial Meeting": "Министерская встреча"}
DIRECT = (
    "We regard {topic} as one of the priorities of our cooperation",
    "We are ready to deepen our joint work on {topic} together with all partners",
    "Progress on {topic} requires patience, trust and a clear plan of action",
    "Our side sees {topic} as an area where practical results are possible this year",
    "There is no alternative to open dialogue when it comes to {topic}",
    "Without sustained attention to {topic}, none of our other goals can be reached",
)
DIRECT_KEYWORDS = (("priority", "priorities"), ("joint work", "partners"),
                   ("trust", "plan of action"), ("practical results",), ("dialogue",),
                   ("goals", "attention"))
REPORTED = (
    "{name} stressed the importance of {topic} for the whole region.",
    "{name} noted the progress achieved in {topic} over the past year.",
    "{name} called for closer coordination on {topic}.",
    "{name} expressed concern about the lack of progress on {topic}.",
)
REPORTED_KEYWORDS = (("importance", "region"), ("progress",), ("coordination",),
                     ("concern",))
CYRILLIC = (("shch", "щ"), ("sh", "ш"), ("ch", "ч"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"),
            ("ya", "я"), ("yu", "ю"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"),
            ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "й"), ("k", "к"),
            ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"),
            ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "к"),
            ("w", "в"), ("q", "к"), ("x", "кс"), ("j", "дж"))
MISSPELLINGS = (("k", "q"), ("v", "w"), ("i", "y"), ("sh", "sch"), ("ch", "tch"),
                ("kh", "h"), ("ov", "off"), ("ev", "eff"), ("u", "ou"), ("z", "s"),
                ("ts", "tz"), ("ani", "any"), ("c", "k"))
RESERVED = frozenset("""
    about after again against also amber bank banks bomber border china dear doctor
    done during forum games hello india japan kind lima male media mina mono nova
    over pasta peru power rome russia salem semester sister soda sugar summer tango
    tela tema tender tenor terror timer toga total turkey under velvet water women
""".split())


@dataclass
class Summary:
    """What :func:`generate` wrote."""

    directory: Path
    meetings: int
    people: int
    roles: int
    organizations: int
    events: int
    faq: int
    sources: int
    statements: int
    files: int
    yaml_bytes: int
    text_bytes: int

    def as_dict(self) -> dict[str, int | str]:
        """Return the counts as a JSON-friendly dict."""
        out: dict[str, int | str] = {}
        for key, value in self.__dict__.items():
            out[key] = str(value) if isinstance(value, Path) else value
        return out


@dataclass(eq=False)
class _Source:
    id: str
    day: date
    city: str
    publisher: str
    title: str = ""
    paragraphs: list[list[str]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    event: dict[str, Any] | None = None

    @property
    def dateline(self) -> str:
        return f"{self.city}, {format_day(self.day)}"

    def cite(self, quote: str) -> dict[str, str]:
        return {"source": self.id, "quote": quote}


@dataclass
class _Person:
    id: str
    given: str
    surname: str
    gender: str
    aliases: list[str] = field(default_factory=list)
    holdings: list[tuple[str, _Source]] = field(default_factory=list)
    sources: list[_Source] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.given} {self.surname}"


def format_day(day: date) -> str:
    """Return a date as "7 June 2023"."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def slug(text: str) -> str:
    """Return an id-safe lowercase slug of ``text``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@cache
def cyrillic(text: str) -> str:
    """Transliterate a generated Latin name to Cyrillic (greedy, longest match first)."""
    out: list[str] = []
    for word in text.split():
        low = word.lower()
        letters: list[str] = []
        i = 0
        while i < len(low):
            for latin, cyr in CYRILLIC:
                if low.startswith(latin, i):
                    letters.append(cyr)
                    i += len(latin)
                    break
            else:
                letters.append(low[i])
                i += 1
        joined = "".join(letters)
        out.append(joined[:1].upper() + joined[1:])
    return " ".join(out)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _title(text: str) -> str:
    small = {"of", "and", "the", "on", "in"}
    return " ".join(w if w in small else w[:1].upper() + w[1:] for w in text.split())


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _reserved_words() -> frozenset[str]:
    """Words a generated name must not be: the phrasings' vocabulary and common words."""
    words = set(RESERVED)
    if INTENTS_FILE.is_file():
        words.update(re.findall(r"[a-z]+", INTENTS_FILE.read_text(encoding="utf-8").lower()))
    for text, keywords in TOPICS:
        words.update(re.findall(r"[a-z]+", " ".join((text, *keywords)).lower()))
    words.update(w.lower() for w in (*ORG_WORDS, *BODIES))
    return frozenset(words)


class _Names:
    """Distinct, pronounceable words from a seeded syllable generator."""

    def __init__(self, rng: random.Random, reserved: frozenset[str]) -> None:
        self.rng = rng
        self.reserved = reserved
        self.taken: list[str] = []
        self.taken_set: set[str] = set()

    def _word(self, syllables: int) -> str:
        parts: list[str] = []
        coda = ""
        for index in range(syllables):
            onsets = ONSETS if not coda else SIMPLE_ONSETS
            onset = self.rng.choice(onsets) if index == 0 or self.rng.random() < 0.9 else ""
            last = index == syllables - 1
            coda = self.rng.choice(CODAS) if last or self.rng.random() < 0.25 else ""
            parts.append(onset + self.rng.choice(VOWELS) + coda)
        return "".join(parts)

    def fresh(self, syllables: Sequence[int] = (2, 3), endings: Sequence[str] = ("",),
              separation: float = 75.0) -> str:
        """Return a new capitalised word, dissimilar to every word returned before."""
        for _ in range(10_000):
            word = self._word(self.rng.choice(syllables)) + self.rng.choice(endings)
            if not 4 <= len(word) <= 13 or word in self.reserved or word in self.taken_set:
                continue
            if self.taken and process.extractOne(word, self.taken, scorer=fuzz.ratio,
                                                 score_cutoff=separation):
                continue
            self.taken.append(word)
            self.taken_set.add(word)
            return word.capitalize()
        raise RuntimeError("name space exhausted")


class _Aliases:
    """Normalised aliases already given out, so no two entries share one."""

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}

    @staticmethod
    def key(text: str) -> str:
        return " ".join(re.sub(r"[^0-9a-zа-яё]+", " ", text.lower()).split())

    def claim(self, text: str, owner: str) -> bool:
        key = self.key(text)
        if not key:
            return False
        current = self.owner.setdefault(key, owner)
        return current == owner

    def add(self, aliases: list[str], text: str, owner: str) -> None:
        if self.claim(text, owner) and text not in aliases:
            aliases.append(text)


class _World:
    """Everything one synthetic knowledge base holds, before it is written out."""

    def __init__(self, meetings: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_meetings = meetings
        self.names = _Names(self.rng, _reserved_words())
        self.aliases = _Aliases()
        self.sources: list[_Source] = []
        self.people: list[_Person] = []
        self.roles: list[dict[str, Any]] = []
        self.role_holders: dict[str, list[_Person]] = {}
        self.orgs: list[dict[str, Any]] = []
        self.countries: list[dict[str, Any]] = []
        self.intl: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.meetings: list[dict[str, Any]] = []
        self.faq: list[dict[str, Any]] = []
        self.statements = 0

    # -- organisations and roles ------------------------------------------------------
    def build_orgs(self) -> None:
        n_orgs = self.n_meetings // 20 + 10
        n_countries = max(2, round(n_orgs * 0.3))
        rest = n_orgs - 2 * n_countries
        n_intl = max(1, math.ceil(rest * 0.6))
        n_inst = max(0, rest - n_intl)
        used_acronyms: set[str] = set()
        for _ in range(n_countries):
            place = self.names.fresh((2, 3))
            capital = self.names.fresh((2, 3))
            cid = f"c-{slug(place)}"
            country = self._org(cid, f"Republic of {place}", "country", [], [place],
                                f"Country whose capital is {capital}.")
            country["_place"], country["_capital"] = place, capital
            self.countries.append(country)
            self._org(f"mfa-{slug(place)}", f"Ministry of Foreign Affairs of the Republic of "
                      f"{place}", "ministry", [], [f"{place} Foreign Ministry",
                                                   f"Foreign Ministry of {place}",
                                                   f"MFA of {place}"],
                      f"The foreign ministry of the Republic of {place}.", parent=cid)
        for index in range(n_intl + n_inst):
            institution = index >= n_intl
            for _ in range(1000):
                place = self.names.fresh((2, 3))
                first, second = self.rng.sample(ORG_WORDS, 2)
                body = "Institute" if institution else self.rng.choice(BODIES)
                name = f"{place} {body} for {first} and {second}"
                acronym = "".join(w[0] for w in (place, body, first, second)).upper()
                if (acronym not in used_acronyms and acronym.lower() not in self.names.reserved
                        and self.aliases.key(acronym) not in self.aliases.owner):
                    break
            else:
                raise RuntimeError("acronym space exhausted")
            used_acronyms.add(acronym)
            parent = self.rng.choice(self.intl)["id"] if institution and self.intl else None
            kind = "institution" if institution else "international organization"
            description = (f"Institution of the {self._acronym_of(parent)} working on "
                           f"{first.lower()} and {second.lower()}." if parent else
                           f"International organization working on {first.lower()} and "
                           f"{second.lower()}.")
            org = self._org(slug(acronym), name, kind, [acronym],
                            [f"{place} {body}", f"{acronym} {body}"], description,
                            parent=parent)
            org["_place"] = place
            if not institution:
                self.intl.append(org)

    def _acronym_of(self, org_id: str | None) -> str:
        for org in self.orgs:
            if org["id"] == org_id:
                acronyms: list[str] = org["acronyms"]
                return acronyms[0] if acronyms else str(org["name"])
        return ""

    def _org(self, oid: str, name: str, kind: str, acronyms: list[str], aliases: list[str],
             description: str, parent: str | None = None) -> dict[str, Any]:
        kept: list[str] = []
        self.aliases.claim(name, oid)
        for text in acronyms:
            self.aliases.claim(text, oid)
        for text in aliases:
            self.aliases.add(kept, text, oid)
        org: dict[str, Any] = {"id": oid, "name": name, "kind": kind, "acronyms": acronyms,
                               "aliases": kept, "parent": parent,
                               "description": description}
        self.orgs.append(org)
        return org

    def build_roles(self) -> None:
        for org in self.orgs:
            label = org["acronyms"][0] if org["acronyms"] else None
            if org["kind"] == "country":
                place = org["_place"]
                self._role(f"{org['id']}-president", f"President of the Republic of {place}",
                           org["id"], True, [f"President of {place}", f"{place} president",
                                             f"head of state of {place}"], "President")
            elif org["kind"] == "ministry":
                place = org["name"].rsplit(" ", 1)[-1]
                self._role(f"{org['id']}-minister", f"Minister of Foreign Affairs of the "
                           f"Republic of {place}", org["id"], True,
                           [f"Foreign Minister of {place}", f"{place} foreign minister",
                            f"Minister of Foreign Affairs of {place}"], "Minister")
            elif org["kind"] == "international organization":
                self._role(f"{org['id']}-sg", f"Secretary General of the {org['name']}",
                           org["id"], True, [f"{label} Secretary General",
                                             f"Secretary General of the {label}",
                                             f"head of the {label}"], "Secretary General")
                self._role(f"{org['id']}-deputy", f"Deputy Secretary General of the "
                           f"{org['name']}", org["id"], False,
                           [f"{label} Deputy Secretary General",
                            f"Deputy Secretary General of the {label}"], "Deputy")
            else:
                self._role(f"{org['id']}-director", f"Director of the {org['name']}",
                           org["id"], True, [f"{label} Director", f"Director of the {label}",
                                             f"head of the {label}"], "Director")

    def _role(self, rid: str, name: str, org: str, head: bool, aliases: list[str],
              title: str) -> dict[str, Any]:
        kept: list[str] = []
        self.aliases.claim(name, rid)
        for text in aliases:
            self.aliases.add(kept, text, rid)
        role = {"id": rid, "name": name, "organization": org, "head": head, "aliases": kept,
                "_title": title}
        self.roles.append(role)
        self.role_holders[rid] = []
        return role

    def _ambassador_role(self) -> dict[str, Any] | None:
        if not self.countries or not self.intl:
            return None
        for _ in range(50):
            country = self.rng.choice(self.countries)
            org = self.rng.choice(self.intl)
            rid = f"amb-{slug(country['_place'])}-{org['id']}"
            if rid in self.role_holders:
                continue
            label = org["acronyms"][0]
            return self._role(rid, f"Permanent Representative of the Republic of "
                              f"{country['_place']} to the {label}", country["id"], False,
                              [f"{country['_place']} envoy to the {label}",
                               f"{country['_place']} ambassador to the {label}"], "Ambassador")
        return None

    # -- people -------------------------------------------------------------------------
    def build_people(self) -> None:
        n_people = max(6, round(1.5 * self.n_meetings ** 0.8))
        givens = [self.names.fresh((2,), separation=70.0)
                  for _ in range(min(120, max(6, n_people // 4)))]
        for _ in range(n_people):
            surname = self.names.fresh((2, 3), SURNAME_ENDINGS)
            pid = slug(surname)
            person = _Person(pid, self.rng.choice(givens), surname,
                             self.rng.choice(("female", "male")))
            self.people.append(person)
        base = [r for r in self.roles]
        order = list(self.people)
        self.rng.shuffle(order)
        for person, role in zip(order, base, strict=False):
            self._hold(person, role)
        for person in order[len(base):]:
            draw = self.rng.random()
            if draw < 0.4 and base:
                self._hold(person, self.rng.choice(base))
            elif draw < 0.85:
                envoy = self._ambassador_role()
                if envoy is not None:
                    self._hold(person, envoy)
        promoted = [p for p in order if p.holdings and self.rng.random() < 0.1]
        for person in promoted:
            heads = [r for r in base if r["head"]]
            if heads:
                self._hold(person, self.rng.choice(heads))
        self.roles = [r for r in self.roles if self.role_holders[r["id"]]]

    def _hold(self, person: _Person, role: dict[str, Any]) -> None:
        if any(rid == role["id"] for rid, _ in person.holdings):
            return
        person.holdings.append((role["id"], self.sources[0]))  # source fixed up later
        self.role_holders[role["id"]].append(person)

    def person_aliases(self) -> None:
        titles = {r["id"]: r["_title"] for r in self.roles}
        for person in self.people:
            for text in (person.surname, person.name):
                self.aliases.add(person.aliases, text, person.id)
        for person in self.people:
            own = person.aliases
            for rid, _ in person.holdings[:1]:
                self.aliases.add(own, f"{titles[rid]} {person.surname}", person.id)
            for variant in self._misspellings(person.surname):
                self.aliases.add(own, variant, person.id)
                self.aliases.add(own, f"{person.given} {variant}", person.id)
            self.aliases.add(own, cyrillic(person.surname), person.id)
            self.aliases.add(own, cyrillic(person.name), person.id)

    def _misspellings(self, surname: str) -> list[str]:
        low = surname.lower()
        out: list[str] = []
        swaps = [s for s in MISSPELLINGS if s[0] in low[1:]]
        self.rng.shuffle(swaps)
        for old, new in swaps[:1]:
            at = low.index(old, 1)
            out.append(low[:at] + new + low[at + len(old):])
        if len(low) >= 6:
            at = self.rng.randrange(2, len(low) - 1)
            out.append(low[:at] + low[at + 1:])
        return [w.capitalize() for w in out if w != low]

    # -- sources, events, meetings ------------------------------------------------------
    def build_sources(self) -> None:
        n_sources = max(2, math.ceil(self.n_meetings / 10))
        span = (LAST_DAY - FIRST_DAY).days
        days = sorted(FIRST_DAY + timedelta(days=self.rng.randrange(span))
                      for _ in range(n_sources))
        publishers = [f"{self.names.fresh((2, 3))} {kind}" for kind in
                      ("News Agency", "Herald", "Daily", "Times", "Gazette")]
        for index, day in enumerate(days):
            city = self.rng.choice(self.countries)["_capital"] if self.countries else "Capital"
            self.sources.append(_Source(f"s{index + 1:05d}-{day.isoformat()}", day, city,
                                        self.rng.choice(publishers)))

    def build_events(self) -> None:
        n_events = self.n_meetings // 25 + 3
        counters: dict[tuple[str, str], int] = {}
        hosts = self.rng.sample(self.sources, min(n_events, len(self.sources)))
        for index in range(n_events):
            source = hosts[index % len(hosts)]
            if self.intl and self.rng.random() < 0.75:
                org = self.rng.choice(self.intl)
                kind = self.rng.choice(EVENT_KINDS)
                key = (org["id"], kind)
                counters[key] = counters.get(key, self.rng.randint(0, 20)) + 1
                number = counters[key]
                label = org["acronyms"][0]
                name = f"{_ordinal(number)} {label} {kind}"
                aliases = [f"{_ordinal(number)} {kind} of the {label}",
                           f"{label} {kind} {source.day.year}"]
                eid = slug(f"{label}-{kind}-{number}")
                org_id: str | None = org["id"]
                ru = f"{EVENT_KIND_RU[kind]} {label} № {number}"
            else:
                city = source.city
                word = self.rng.choice(ORG_WORDS)
                name = f"{city} International {word} Forum {source.day.year}"
                aliases = [f"{city} {word} Forum {source.day.year}"]
                eid = slug(f"{city}-{word}-forum-{source.day.year}-{index}")
                org_id = None
                ru = f"Международный форум {cyrillic(city)} {source.day.year} № {index + 1}"
            if not self.aliases.claim(name, eid):
                continue
            kept: list[str] = []
            for text in aliases:
                self.aliases.add(kept, text, eid)
            delegations = self.rng.randint(12, 57)
            fact_sentence = f"The {name} brought together delegations from {delegations} states."
            source.extra.append(fact_sentence)
            event: dict[str, Any] = {"id": eid, "name": name, "aliases": kept,
                                     "organization": org_id}
            if self.rng.random() < 0.7:
                where = f"The {name} was held in {source.city} on {format_day(source.day)}."
                source.extra.append(where)
                event.update(date=source.day.isoformat(), date_cite=source.cite(where),
                             place=source.city, place_cite=source.cite(where))
            facts = [{"text": f"The {name} brought together delegations from {delegations} "
                              "states.", "cite": source.cite(fact_sentence)}]
            topic = self.rng.choice(TOPICS)[0]
            focus = f"The agenda of the {name} focused on {topic}."
            source.extra.append(focus)
            facts.append({"text": focus, "cite": source.cite(focus)})
            event["facts"] = facts
            event["translations"] = {"ru": ru}
            self.events.append(event)
            if source.event is None:
                source.event = event
                source.title = f"Bilateral meetings on the sidelines of the {name}"

    def build_meetings(self) -> None:
        n = len(self.people)
        weights = [1.0 / (rank + 5) ** 0.7 for rank in range(n)]
        ranked = list(self.people)
        self.rng.shuffle(ranked)
        cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            cumulative.append(total)
        n_sources = len(self.sources)
        for index in range(self.n_meetings):
            source = self.sources[index * n_sources // self.n_meetings]
            size = 3 if self.rng.random() < 0.15 and n >= 3 else 2
            chosen: list[_Person] = []
            while len(chosen) < size:
                person = self.rng.choices(ranked, cum_weights=cumulative)[0]
                if person not in chosen:
                    chosen.append(person)
            self.meetings.append(self._meeting(index, source, chosen))

    def _meeting(self, index: int, source: _Source, people: list[_Person]) -> dict[str, Any]:
        rng = self.rng
        a, others = people[0], people[1:]
        for person in people:
            person.sources.append(source)
        with_names = _join([p.name for p in others])
        surnames = _join([p.surname for p in people])
        event = source.event if source.event is not None and rng.random() < 0.7 else None
        sentences: list[str] = []
        lead = (f"On the sidelines of the {event['name']}, {a.name} held talks with "
                f"{with_names}." if event else f"{a.name} held talks with {with_names}.")
        sentences.append(lead)
        meeting: dict[str, Any] = {
            "id": f"m{index + 1:05d}-{a.id}-{others[0].id}"[:64].rstrip("-"),
            "title": f"{a.name} meets {with_names}",
        }
        if rng.random() < 0.6:
            day = source.day - timedelta(days=rng.randint(0, 2))
            when = f"{surnames} met on {format_day(day)}."
            sentences.append(when)
            meeting.update(date=day.isoformat(), date_kind="meeting",
                           date_cite=source.cite(when))
        else:
            meeting.update(date=source.day.isoformat(), date_kind="report",
                           date_cite=source.cite(source.dateline))
        if event:
            meeting["event"] = event["id"]
        if rng.random() < 0.3:
            city = rng.choice(self.countries)["_capital"] if self.countries else source.city
            where = f"The talks between {surnames} were held in {city}."
            sentences.append(where)
            meeting.update(place=city, place_cite=source.cite(where))
        meeting["participants"] = [p.id for p in people]
        chosen = rng.sample(TOPICS, rng.randint(1, 3))
        topics = []
        for text, keywords in chosen:
            said = f"{surnames} discussed {text}."
            sentences.append(said)
            topics.append({"text": text, "keywords": list(keywords), "cite": source.cite(said)})
        at_event = f" at the {event['name']}" if event else ""
        meeting["summary"] = {"text": f"{a.name} met {with_names}{at_event} and discussed "
                                      f"{chosen[0][0]}.", "cite": source.cite(lead)}
        meeting["topics"] = topics
        statements = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            speaker = rng.choice(people)
            text, keywords = rng.choice(chosen)
            if rng.random() < 0.6:
                pick = rng.randrange(len(DIRECT))
                quote = DIRECT[pick].format(topic=text)
                sentences.append(f"“{quote},” {speaker.name} said.")
                kind, extra = "direct", DIRECT_KEYWORDS[pick]
            else:
                pick = rng.randrange(len(REPORTED))
                quote = REPORTED[pick].format(name=speaker.surname, topic=text)
                sentences.append(quote)
                kind, extra = "reported", REPORTED_KEYWORDS[pick]
            statements.append({"speaker": speaker.id, "kind": kind,
                               "keywords": [*keywords, *extra], "cite": source.cite(quote)})
        self.statements += len(statements)
        meeting["statements"] = statements
        source.paragraphs.append(sentences)
        if not source.title:
            source.title = f"{a.name} holds talks with {with_names}"
        return meeting

    # -- citations for people and organisations, FAQ ------------------------------------
    def cite_people(self) -> None:
        roles = {r["id"]: r for r in self.roles}
        for person in self.people:
            seen = sorted(set(person.sources), key=lambda s: s.day) or [
                self.rng.choice(self.sources)]
            fixed: list[tuple[str, _Source]] = []
            for number, (rid, _) in enumerate(person.holdings):
                source = seen[0] if number == 0 else seen[-1]
                if number and source is seen[0]:
                    source = self.rng.choice(self.sources)
                sentence = f"{roles[rid]['name']} {person.name} took part in the talks."
                source.extra.append(sentence)
                fixed.append((rid, source))
            person.holdings = fixed
            if not fixed:
                sentence = f"{person.name}, a senior adviser, was also present."
                seen[0].extra.append(sentence)
                person.sources.insert(0, seen[0])

    def person_entry(self, person: _Person, roles: Mapping[str, Mapping[str, Any]]
                     ) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": person.id, "name": person.name,
                                 "gender": person.gender, "aliases": person.aliases}
        if person.holdings:
            entry["roles"] = [
                {"role": rid, "as_of": source.day.isoformat(),
                 "cite": source.cite(f"{roles[rid]['name']} {person.name}")}
                for rid, source in person.holdings]
        else:
            source = person.sources[0]
            entry["cite"] = source.cite(f"{person.name}, a senior adviser, was also present.")
        entry["translations"] = {"ru": cyrillic(person.name)}
        return entry

    def cite_orgs(self) -> None:
        for org in self.orgs:
            source = self.rng.choice(self.sources)
            label = f" ({org['acronyms'][0]})" if org["acronyms"] else ""
            sentence = f"Representatives of the {org['name']}{label} attended the talks."
            source.extra.append(sentence)
            org["cite"] = source.cite(f"the {org['name']}{label}")

    def build_faq(self) -> None:
        n_faq = self.n_meetings // 50 + 5
        for index in range(n_faq):
            source = self.rng.choice(self.sources)
            topic, _ = self.rng.choice(TOPICS)
            year = source.day.year
            if index % 2 == 0 or not (self.countries and self.intl):
                place = self.names.fresh((2, 3))
                document = f"{place} Declaration on {_title(topic)}"
                sentence = (f"The {document}, adopted in {year}, commits the signatories to "
                            f"work together on {topic}.")
                questions = [f"what is the {place} declaration on {topic}",
                             f"what does the {place} declaration say",
                             f"is the {place} declaration still in force"]
                answer = (f"The {document} was adopted in {year}; it commits the signatories "
                          f"to work together on {topic}.")
                fid = f"faq-{index + 1:04d}-{slug(place)}-declaration"
            else:
                country = self.rng.choice(self.countries)
                org = self.rng.choice(self.intl)
                label = org["acronyms"][0]
                sentence = (f"The Republic of {country['_place']} regards the {label} as a key "
                            f"partner on {topic}.")
                questions = [f"why is the {label} important for {country['_place']}",
                             f"how does {country['_place']} see the {label}",
                             f"what does {country['_place']} think of the {label}"]
                answer = (f"According to the sources, the Republic of {country['_place']} "
                          f"regards the {label} as a key partner on {topic}.")
                fid = f"faq-{index + 1:04d}-{slug(country['_place'])}-{org['id']}"
            source.extra.append(sentence)
            self.faq.append({"id": fid[:64].rstrip("-"), "questions": questions,
                             "answer": answer, "cites": [source.cite(sentence)]})

    def add_translations(self) -> None:
        """Russian names for organisations and roles (the checker asks for them)."""
        orgs = {org["id"]: org for org in self.orgs}
        for org in self.orgs:
            if org["kind"] == "country":
                ru = f"Республика {cyrillic(org['_place'])}"
            elif org["kind"] == "ministry":
                place = org["name"].rsplit(" ", 1)[-1]
                ru = f"Министерство иностранных дел Республики {cyrillic(place)}"
            else:
                body = BODY_RU.get(org["name"].split()[1], "Организация")
                ru = f"{body} {cyrillic(org['_place'])} ({org['acronyms'][0]})"
            org["translations"] = {"ru": ru}
        for role in self.roles:
            org = orgs[role["organization"]]
            title = role["_title"]
            label = org["acronyms"][0] if org["acronyms"] else ""
            place = cyrillic(role["name"].rsplit(" ", 1)[-1])
            if title == "President":
                ru = f"Президент Республики {place}"
            elif title == "Minister":
                ru = f"Министр иностранных дел Республики {place}"
            elif title == "Secretary General":
                ru = f"Генеральный секретарь {label}"
            elif title == "Deputy":
                ru = f"Заместитель генерального секретаря {label}"
            elif title == "Director":
                ru = f"Директор {label}"
            else:
                target = role["name"].rsplit(" ", 1)[-1]
                ru = f"Постоянный представитель Республики {cyrillic(org['_place'])} при {target}"
            role["translations"] = {"ru": ru}

    # -- output -------------------------------------------------------------------------
    def source_text(self, source: _Source) -> str:
        title = source.title or f"News from {source.city}"
        blocks = [title, source.dateline]
        blocks.extend(" ".join(sentences) for sentences in source.paragraphs)
        extra = source.extra
        blocks.extend(" ".join(extra[i:i + 4]) for i in range(0, len(extra), 4))
        return "\n\n".join(blocks) + "\n"

    def source_entry(self, source: _Source) -> dict[str, Any]:
        return {"id": source.id, "title": source.title or f"News from {source.city}",
                "publisher": source.publisher,
                "url": f"https://news.example.org/{source.day.year}/{source.id}",
                "published": source.day.isoformat(), "language": "en",
                "file": f"sources/{source.id}.txt"}


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    return encode_basestring(str(value))


def _emit(obj: Mapping[str, Any], indent: int, out: list[str], dash: bool = False) -> None:
    """Append ``obj`` as a block-style YAML mapping (strings JSON-quoted, valid YAML)."""
    first = True
    for key, value in obj.items():
        if key.startswith("_") or value is None:
            continue
        prefix = " " * (indent - 2) + "- " if dash and first else " " * indent
        first = False
        if isinstance(value, dict):
            out.append(f"{prefix}{key}:")
            _emit(value, indent + 2, out)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{prefix}{key}:")
            for item in value:
                _emit(item, indent + 4, out, dash=True)
        elif isinstance(value, list):
            out.append(f"{prefix}{key}: [{', '.join(_scalar(v) for v in value)}]")
        else:
            out.append(f"{prefix}{key}: {_scalar(value)}")


def _write_section(directory: Path, section: str, entries: Sequence[Mapping[str, Any]]
                   ) -> tuple[int, int]:
    """Write ``entries`` to ``section-NNN.yaml`` files; return (files, bytes)."""
    files = total = 0
    chunk: list[str] = []
    count = size = 0

    def flush() -> None:
        nonlocal files, total, chunk, count, size
        if not count:
            return
        files += 1
        text = f"# synthetic benchmark data (benchmarks/synth.py)\n{section}:\n" + "".join(chunk)
        data = text.encode("utf-8")
        (directory / f"{section}-{files:03d}.yaml").write_bytes(data)
        total += len(data)
        chunk, count, size = [], 0, 0

    for entry in entries:
        lines: list[str] = []
        _emit(entry, 4, lines, dash=True)
        block = "\n".join(lines) + "\n"
        if count >= MAX_ENTRIES_PER_FILE or size + len(block) > MAX_BYTES_PER_FILE:
            flush()
        chunk.append(block)
        count += 1
        size += len(block.encode("utf-8"))
    flush()
    return files, total


def generate(directory: Path | str, meetings: int, seed: int = 0) -> Summary:
    """Write a synthetic knowledge base with ``meetings`` meetings into ``directory``."""
    if meetings < 1:
        raise ValueError("meetings must be at least 1")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sources").mkdir(exist_ok=True)
    world = _World(meetings, seed)
    world.build_orgs()
    world.build_roles()
    world.build_sources()
    world.build_people()
    world.person_aliases()
    world.build_events()
    world.build_meetings()
    world.cite_people()
    world.cite_orgs()
    world.build_faq()
    world.add_translations()

    text_bytes = 0
    for source in world.sources:
        data = world.source_text(source).encode("utf-8")
        (out / "sources" / f"{source.id}.txt").write_bytes(data)
        text_bytes += len(data)
    files = yaml_bytes = 0
    roles = {r["id"]: r for r in world.roles}
    sections: dict[str, Sequence[Mapping[str, Any]]] = {
        "sources": [world.source_entry(s) for s in world.sources],
        "people": [world.person_entry(p, roles) for p in world.people],
        "roles": world.roles,
        "organizations": world.orgs,
        "events": world.events,
        "meetings": world.meetings,
        "faq": world.faq,
    }
    for section, entries in sections.items():
        n_files, n_bytes = _write_section(out, section, entries)
        files += n_files
        yaml_bytes += n_bytes
    shutil.copyfile(INTENTS_FILE, out / "intents.yaml")
    files += 1
    yaml_bytes += INTENTS_FILE.stat().st_size
    return Summary(out, len(world.meetings), len(world.people), len(world.roles),
                   len(world.orgs), len(world.events), len(world.faq), len(world.sources),
                   world.statements, files, yaml_bytes, text_bytes)


def main(argv: list[str] | None = None) -> int:
    """Generate one knowledge base and verify that meetbot loads it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-check", action="store_true", help="skip loading it back")
    args = parser.parse_args(argv)
    summary = generate(args.directory, args.meetings, args.seed)
    print(json.dumps(summary.as_dict()))
    if not args.no_check:
        from meetbot.store import load

        kb = load(args.directory)
        print(f"OK: loaded {len(kb.meetings)} meetings, {len(kb.people)} people, "
              f"{len(kb.organizations)} organisations, {len(kb.events)} events, "
              f"{len(kb.faq)} FAQ entries, {len(kb.sources)} sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
