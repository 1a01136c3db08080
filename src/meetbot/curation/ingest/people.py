"""People named in the document, with the titles written beside their names.

A person is a run of name words (capitalised, not words of titles or organisations, not a
sentence's opening verb such as "Greeting") that the knowledge base knows, or that has a
title beside it: before it ("Secretary General Helga Schmid", "Заместитель министра ...
Ирена Валкова"), after it ("Christophe Kamp, the OSCE High Commissioner on National
Minorities,"), or both ("the OSCE Chairperson-in-Office, Minister for Foreign Affairs ...
Irena Valkova"). Russian names and titles are put in the nominative case.
"""

from __future__ import annotations

import itertools

from meetbot.curation.ingest.document import ACRONYM_GAP_RE, SPACES_RE, Span
from meetbot.curation.ingest.entities import DocPerson, Held
from meetbot.curation.ingest.roles import RoleResolver
from meetbot.curation.ingest.scope import Step
from meetbot.lang.normalize import normalize

MAX_TITLE_WORDS = 16
MAX_NAME_WORDS = 3


class PeopleFinder(Step):
    """Finds the people of the document and the titles they are shown with."""

    def run(self) -> None:
        """Add the people of the document (with their roles) to the draft."""
        self.by_key: dict[str, DocPerson] = {}
        runs = self._name_runs()
        for first, last in runs:
            self._add(first, last)
        for first, last in runs:  # the same names without a title: what they tell of gender
            run = self.doc.words[first:last]
            name = self.scope.morph.nominative_name([t.text for t in run])
            person = self.by_key.get(normalize(name))
            if person is not None:
                self._gender(person, first, last)
        resolver = RoleResolver(self.scope)
        for person in self.draft.people:
            resolver.resolve(person)
            if person.kb_id is None:
                person.draft_id = self.scope.new_id(person.surname)

    # -- names --------------------------------------------------------------------------
    def _name_runs(self) -> list[tuple[int, int]]:
        """``(first, last + 1)`` word indexes of each run of name words, trimmed to a name."""
        words = self.doc.words
        runs: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            if not self.scope.name_word(i):
                i += 1
                continue
            j = i
            while (j + 1 < len(words) and not words[j].possessive
                   and self.scope.spaces(words[j], words[j + 1])
                   and self.scope.name_word(j + 1)):
                j += 1
            runs.append(self._trimmed(i, j + 1))
            i = j + 1
        return runs

    def _trimmed(self, first: int, end: int) -> tuple[int, int]:
        words = self.doc.words
        if self.scope.morph.language == "ru":
            givens = [k for k in range(first, end - 1)
                      if self.scope.morph.name_part(words[k].text) == "given"]
            if givens:
                first = givens[-1]
        elif end - first >= 2 and first > 0 and words[first - 1].key in self.vocab.connectors \
                and self.scope.spaces(words[first - 1], words[first]):
            first += 1  # "of Norvalia Irena Valkova": the country belongs to the title
        return max(first, end - MAX_NAME_WORDS), end

    def _add(self, first: int, end: int) -> None:
        words = self.doc.words
        run = words[first:end]
        name = self.scope.morph.nominative_name([t.text for t in run])
        kb_id = self._person_alias(name) or self._person_alias(" ".join(t.text for t in run))
        titles = self._titles_before(first) + self._title_after(end - 1)
        if kb_id is None and (len(run) == 1 or not titles):
            return
        key = kb_id or normalize(name)
        person = self.by_key.get(key)
        if person is None and len(run) == 1:
            person = next((p for p in self.draft.people
                           if normalize(p.surname) == normalize(run[0].text)), None)
        if person is None:
            person = DocPerson(name, Span(run[0].start, run[-1].end), kb_id=kb_id)
            self.by_key[key] = person
            self.draft.people.append(person)
        if len(run) > len(person.name.split()):
            person.name, person.name_span = name, Span(run[0].start, run[-1].end)
        for span in titles:
            title = self.scope.title_text(span)
            found = Span(min(span.start, run[0].start), max(span.end, run[-1].end))
            if title and all(normalize(h.title) != normalize(title) for h in person.held):
                person.held.append(Held(title, found, span))
                person.titles.append(title)
        self._gender(person, first, end)

    def _person_alias(self, name: str) -> str | None:
        exact = self.scope.alias(name, "person")
        if exact:
            return exact
        if len(normalize(name).split()) < 2:
            return None
        return self.scope.linked(name, "person")

    def _gender(self, person: DocPerson, first: int, end: int) -> None:
        """What the text tells of the person's gender, next to this mention."""
        if person.gender:
            return
        known = self.kb.people.get(person.kb_id or "")
        if known is not None and known.gender:
            person.gender, person.gender_cue = known.gender, "the knowledge base"
            return
        words = self.doc.words
        sentence = self.doc.sentence_of(words[first].start)
        start, _end = self.doc.word_range(sentence)
        for at in range(start, first):
            turn = self.vocab.gender_of_turn(self.doc.keys, at)
            if turn is not None and turn[0] and turn[1] == first:
                person.gender = turn[0]
                cue = self.doc.at(Span(words[start].start, words[end - 1].end))
                person.gender_cue = f"the text: {cue!r}"
                return
        if first > 0:
            for gender, titles in self.vocab.honorifics.items():
                if words[first - 1].key in titles:
                    person.gender = gender
                    person.gender_cue = f"the text: {words[first - 1].text!r}"
                    return
        given = self.scope.morph.gender(words[first].text)
        if given:
            person.gender, person.gender_cue = given, f"the given name {words[first].text!r}"

    # -- titles -------------------------------------------------------------------------
    def _titles_before(self, first: int) -> list[Span]:
        """The title written right before the name, and an apposition before that ("the
        OSCE Chairperson-in-Office, Minister ... Irena Valkova")."""
        span = self._title_ending_at(first)
        if span is None:
            return []
        found = [span]
        words = self.doc.words
        index = self.doc.index(span.start)
        if index > 0 and self.doc.text[words[index - 1].end:span.start].strip() == ",":
            before = self._title_ending_at(index, apposition=True)
            if before is not None:
                found.append(before)
        return found

    def _title_ending_at(self, index: int, *, apposition: bool = False) -> Span | None:
        if self.scope.morph.language == "ru":
            return self._russian_title(index)
        words = self.doc.words
        position = words[index].start
        start: int | None = None
        has_title = False
        for count, at in enumerate(range(index - 1, -1, -1)):
            token = words[at]
            gap = self.doc.text[token.end:position]
            if apposition and count == 0:
                gap = gap.lstrip(", ")  # the comma between the two titles
            if not (SPACES_RE.match(gap) or ACRONYM_GAP_RE.match(gap) or (
                    apposition and count == 0 and not gap)):
                break
            lowered = token.text.islower()
            if lowered and token.key not in self.vocab.connectors:
                break
            if not lowered and not (token.is_capitalised or token.is_acronym):
                break
            if token.possessive or count >= MAX_TITLE_WORDS:
                break
            if token.key in self.scope.stop and not lowered:
                break
            if not lowered and self.scope.name_word(at) and not (
                    at > 0 and words[at - 1].key in self.vocab.connectors):
                break  # another person's name ("Director Telalian and Representative ...")
            if token.key in self.vocab.title_words:
                has_title = True
            position = token.start
            if not lowered:
                start = token.start
        if start is None or not has_title:
            return None
        return Span(start, self._end_before(start, words[index].start))

    def _russian_title(self, index: int) -> Span | None:
        """Back from the name to the earliest title word of its clause (no verb, no
        punctuation between): "с Верховным комиссаром ОБСЕ по делам ... Анной"."""
        words = self.doc.words
        start: int | None = None
        heads = False
        for count, at in enumerate(range(index - 1, -1, -1)):
            token, after = words[at], words[at + 1]
            gap = self.doc.text[token.end:after.start]
            if not (SPACES_RE.match(gap) or ACRONYM_GAP_RE.match(gap)) or count >= MAX_TITLE_WORDS:
                break
            if self.scope.morph.is_verbal(token.text):
                break
            if token.key in self.vocab.title_words:
                start = at
                heads = heads or token.key in self.vocab.title_heads
        if start is None or not heads:
            return None
        return Span(words[start].start, self._end_before(words[start].start,
                                                         words[index].start))

    def _end_before(self, start: int, name_start: int) -> int:
        end = name_start
        while end > start and self.doc.text[end - 1].isspace():
            end -= 1
        return end

    def _title_after(self, last: int) -> list[Span]:
        """An appositive title: "Tomas Lindgren, Director of the Centre," - ended by a
        comma, a full stop or "who", and holding no name (", President Tokayev said" is
        another person)."""
        words = self.doc.words
        token = words[last]
        if self.doc.text[token.end:token.end + 2] != ", " or last + 1 >= len(words):
            return []
        following = words[last + 1:last + 1 + MAX_TITLE_WORDS]
        if following and following[0].key in self.vocab.connectors and following[0].text.islower():
            following = following[1:]  # ", the OSCE High Commissioner ..."
        if not following or not (following[0].is_capitalised or following[0].is_acronym):
            return []
        end = following[0].end
        has_title = following[0].key in self.vocab.title_words
        for prev, word in itertools.pairwise(following):
            if not self.doc.gap_ok(prev, word):
                break
            if word.text.islower() and word.key not in self.vocab.connectors:
                return []  # the clause goes on: no apposition
            if self.scope.name_word(self.doc.index(word.start)) and has_title:
                return []  # a title and a name: another person
            has_title = has_title or word.key in self.vocab.title_words
            end = word.end
        tail = self.doc.text[end:end + 6]
        if not has_title or not (tail[:1] in (",", ".", ";", ")") or tail.startswith(" who")
                                 or not tail.strip()):
            return []
        while True:
            text = self.doc.text[following[0].start:end]
            last_word = text.split()[-1].lower() if text.split() else ""
            if last_word in self.vocab.connectors:
                end = following[0].start + text.rfind(" ")
                continue
            break
        return [Span(following[0].start, end)]
