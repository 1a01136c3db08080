"""People named in the document, with the titles written beside their names, and every
later reference to them (surname, title alone)."""

from __future__ import annotations

import itertools
import re

from meetbot.curation.ingest.document import ACRONYM_GAP_RE, SPACES_RE, Span, Token
from meetbot.curation.ingest.entities import DocPerson, DocRole, Mention
from meetbot.curation.ingest.scope import Step
from meetbot.curation.ingest.vocabulary import CONNECTORS, ORG_WORDS, TITLE_HEADS, TITLE_WORDS
from meetbot.lang.normalize import normalize


class PeopleFinder(Step):
    """Finds runs of capitalised name words next to a title, and resolves each title to a role
    (the knowledge base's, or a new draft role)."""

    def run(self) -> None:
        """Add the people of the document (and their new roles) to the draft."""
        tokens = self.doc.words
        by_name: dict[str, DocPerson] = {}
        i = 0
        while i < len(tokens):
            if not self.scope.name_like(tokens[i]):
                i += 1
                continue
            j = i
            while (j + 1 < len(tokens) and not tokens[j].possessive
                   and self.scope.spaces(tokens[j], tokens[j + 1])
                   and self.scope.name_like(tokens[j + 1])):
                j += 1
            run = tokens[i:j + 1]
            i = j + 1
            if len(run) >= 2 and self._after_connector(run[0]):
                run = run[1:]
            if len(run) > 3:
                run = run[-3:]
            name = " ".join(t.text for t in run)
            kb_id = self._person_alias(name)
            title_span = self._title_before(run[0]) or self._title_after(run[-1])
            if len(run) == 1 and kb_id is None:
                continue
            if title_span is None and kb_id is None:
                continue
            key = kb_id or normalize(name)
            person = by_name.get(key)
            if person is None:
                for other in by_name.values():
                    if normalize(other.surname) == normalize(run[-1].text) and len(run) == 1:
                        person = other
                if person is None:
                    person = DocPerson(name, Span(run[0].start, run[-1].end), None, None,
                                       kb_id=kb_id)
                    by_name[key] = person
                    self.draft.people.append(person)
            if len(run) > len(person.name.split()):
                person.name, person.name_span = name, Span(run[0].start, run[-1].end)
            if title_span is not None:
                title = self._title_text(title_span)
                if person.title is None or len(title) > len(person.title):
                    person.title, person.title_span = title, title_span
                    person.found_span = Span(min(title_span.start, run[0].start),
                                             max(title_span.end, run[-1].end))
        for person in self.draft.people:
            self._resolve_role(person)
            if person.kb_id is None:
                person.draft_id = self.scope.new_id(person.surname)


    def _after_connector(self, token: Token) -> bool:
        before = [t for t in self.doc.words if t.end <= token.start]
        return (bool(before) and before[-1].norm in CONNECTORS
                and self.scope.spaces(before[-1], token))

    def _person_alias(self, name: str) -> str | None:
        exact = self.scope.alias(name, "person")
        if exact:
            return exact
        words = normalize(name).split()
        if len(words) < 2:
            return None
        return self.scope.linked(name, "person")

    def _title_before(self, first: Token) -> Span | None:
        """The title written right before a name ("Secretary General" Helga Schmid)."""
        tokens = [t for t in self.doc.words if t.end <= first.start]
        position = first.start
        start: int | None = None
        has_title = False
        for count, token in enumerate(reversed(tokens)):
            gap = self.doc.text[token.end:position]
            if not (SPACES_RE.match(gap) or ACRONYM_GAP_RE.match(gap)):
                break
            lowered = token.text.islower()
            if lowered and token.norm not in CONNECTORS:
                break
            if not lowered and not (token.is_capitalised or token.is_acronym):
                break
            if token.possessive or count >= 16:
                break
            if token.norm in self.scope.stop and not lowered:
                break
            if token.norm in TITLE_WORDS:
                has_title = True
            position = token.start
            if not lowered:
                start = token.start
        if start is None or not has_title:
            return None
        return Span(start, self._title_end(start, first.start))

    def _title_after(self, last: Token) -> Span | None:
        """An appositive title: "Tomas Lindgren, Director of the Centre"."""
        after = self.doc.text[last.end:last.end + 3]
        if not after.startswith(", "):
            return None
        tokens = [t for t in self.doc.words if t.start >= last.end + 2][:16]
        if not tokens or tokens[0].norm not in TITLE_WORDS or not tokens[0].text[0].isupper():
            return None
        end = tokens[0].end
        for prev, token in itertools.pairwise(tokens):
            if not self.doc.gap_ok(prev, token):
                break
            if token.text.islower() and token.norm not in CONNECTORS:
                break
            end = token.end
        while True:
            tail = self.doc.text[tokens[0].start:end].split()
            if tail and tail[-1].lower() in CONNECTORS:
                end = tokens[0].start + self.doc.text[tokens[0].start:end].rfind(" ")
                continue
            break
        acronym = re.match(r"[ \t]*\([A-Za-z]{2,10}\)", self.doc.text[end:])
        if acronym:
            end += acronym.end()
        return Span(tokens[0].start, end)

    def _title_end(self, start: int, name_start: int) -> int:
        end = name_start
        while end > start and self.doc.text[end - 1].isspace():
            end -= 1
        return end

    def _title_text(self, span: Span) -> str:
        text = self.doc.at(span)
        text = re.sub(r"\s*\([A-Za-z]{2,10}\)", "", text)
        words = text.split()
        while words and (words[0].lower() in CONNECTORS or words[0].lower() in self.scope.stop):
            words.pop(0)
        return " ".join(words)

    def _resolve_role(self, person: DocPerson) -> None:
        if not person.title:
            return
        title = person.title
        role = self.scope.linked(title, "role")
        if role is None and person.kb_id:
            wanted = set(normalize(title).split()) - CONNECTORS
            for holding in self.kb.people[person.kb_id].roles:
                known = self.kb.roles.get(holding.role)
                if known is None:
                    continue
                names = [known.name, *known.aliases]
                if any(wanted <= set(normalize(n).split()) for n in names):
                    role = holding.role
                    break
        if role is not None:
            person.role_id = role
            return
        existing = next((r for r in self.draft.roles
                         if normalize(r.name) == normalize(title)), None)
        if existing is None:
            existing = DocRole(self.scope.new_id(title), title, self._role_org(title, person))
            self.draft.roles.append(existing)
        person.role_id = existing.draft_id
        person.role_is_new = True

    def _role_org(self, title: str, person: DocPerson) -> str | None:
        span = person.title_span
        if span is not None:
            for org in self.draft.orgs:
                if span.start <= org.span.start and org.span.end <= span.end + 1:
                    return org.kb_id or org.draft_id
        named = [org for org in self.draft.orgs
                 if f" {normalize(org.name)} " in f" {normalize(title)} "]
        if named:
            best = max(named, key=lambda org: len(org.name))
            return best.kb_id or best.draft_id
        words = normalize(title).split()
        orgs = [m for m in self.router.linker.link(words, quotes=False, fuzzy=False)
                if m.kind == "org"]
        if orgs:
            return max(orgs, key=lambda m: m.end - m.start).id
        return None



class MentionFinder(Step):
    """Every place a found person is referred to: name, surname, title or alias."""

    def run(self) -> None:
        """Every place a found person is referred to: name, surname, title or alias."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []

        def add(start: int, end: int, person: DocPerson) -> None:
            if any(start < e and s < end for s, e in taken):
                return
            taken.append((start, end))
            found.append(Mention(start, end, person))

        by_surname: dict[str, list[DocPerson]] = {}
        for person in self.draft.people:
            by_surname.setdefault(normalize(person.surname), []).append(person)
        by_kb = {p.kb_id: p for p in self.draft.people if p.kb_id}
        tokens = self.doc.words
        for index, token in enumerate(tokens):
            if not token.text[0].isupper():
                continue
            for size in (3, 2):
                run = tokens[index:index + size]
                if len(run) < size or not all(self.scope.spaces(a, b)
                                               for a, b in itertools.pairwise(run)):
                    continue
                name = " ".join(t.text for t in run)
                hit = next((p for p in self.draft.people if normalize(p.name) == normalize(name)),
                           None)
                kb_id = None if hit else self.scope.alias(name, "person")
                hit = hit or (by_kb.get(kb_id) if kb_id else None)
                if hit is not None:
                    add(run[0].start, run[-1].end, hit)
            candidates = by_surname.get(normalize(token.text), [])
            if len(candidates) == 1:
                add(token.start, token.end, candidates[0])
                continue
            kb_id = self.scope.alias(token.text, "person")
            if kb_id in by_kb:
                add(token.start, token.end, by_kb[kb_id])
        for start, end, person in self._title_references():
            add(start, end, person)
        found.sort(key=lambda m: m.start)
        self.draft.mentions = found

    def _title_references(self) -> list[tuple[int, int, DocPerson]]:
        """"the Minister", "the Head of the OSCE", "Kazakh leader": titles standing alone."""
        out: list[tuple[int, int, DocPerson]] = []
        words = self.doc.words
        index = 0
        while index < len(words):
            token = words[index]
            if token.norm not in TITLE_HEADS or not token.text[0].isupper():
                index += 1
                continue
            start = index
            while start > 0 and self.doc.gap_ok(words[start - 1], words[start]) and (
                    words[start - 1].is_capitalised or words[start - 1].is_acronym) and \
                    words[start - 1].norm not in self.scope.stop and \
                    not self.scope.name_like(words[start - 1]):
                start -= 1
            end = index
            while end + 1 < len(words) and self.doc.gap_ok(words[end], words[end + 1]) and (
                    words[end + 1].norm in CONNECTORS or words[end + 1].is_acronym
                    or words[end + 1].norm in TITLE_WORDS or words[end + 1].norm in ORG_WORDS):
                end += 1
            while end > index and words[end].norm in CONNECTORS:
                end -= 1
            index = end + 1
            following = words[end + 1] if end + 1 < len(words) else None
            if following is not None and self.doc.gap_ok(words[end], following) and (
                    self.scope.name_like(following) or following.norm in CONNECTORS):
                continue  # a title followed by a name: the name is the mention
            phrase = " ".join(t.text for t in words[start:end + 1])
            person = self._holder(phrase)
            if person is not None:
                out.append((words[start].start, words[end].end, person))
        return out

    def _holder(self, phrase: str) -> DocPerson | None:
        """The found person a bare title refers to, when exactly one fits."""
        role = self.scope.linked(phrase, "role")
        if role is not None:
            holders = [p for p in self.draft.people if p.role_id == role]
            if len(holders) == 1:
                return holders[0]
        heads = {w for w in normalize(phrase).split() if w in TITLE_HEADS}
        if not heads:
            return None
        fitting = [p for p in self.draft.people
                   if p.title and heads <= set(normalize(p.title).split())]
        if len(fitting) == 1:
            return fitting[0]
        return None

