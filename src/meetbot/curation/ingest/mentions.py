"""Every place a found person is referred to: full name, surname (in any case: "Хаддада"),
an alias the knowledge base knows, or a title standing alone ("the Minister", "the Head of
State", "Верховный комиссар") that fits exactly one of the people found."""

from __future__ import annotations

import itertools

from meetbot.curation.ingest.entities import DocPerson, Mention
from meetbot.curation.ingest.scope import Step
from meetbot.lang.normalize import normalize


class MentionFinder(Step):
    """Finds the mentions of the people found, in text order."""

    def run(self) -> None:
        """Set the draft's mentions."""
        self.found: list[Mention] = []
        self.taken: list[tuple[int, int]] = []
        people = self.draft.people
        by_surname: dict[str, list[DocPerson]] = {}
        for person in people:
            by_surname.setdefault(normalize(person.surname), []).append(person)
        by_kb = {p.kb_id: p for p in people if p.kb_id}
        names = {normalize(p.name): p for p in people}
        words = self.doc.words
        for index, token in enumerate(words):
            if not token.text[0].isupper():
                continue
            for size in (3, 2):
                run = words[index:index + size]
                if len(run) < size or not all(self.scope.spaces(a, b)
                                               for a, b in itertools.pairwise(run)):
                    continue
                text = " ".join(t.text for t in run)
                hit = names.get(normalize(text)) or names.get(
                    normalize(self.scope.morph.nominative_name(text.split())))
                kb_id = None if hit else self.scope.alias(text, "person")
                hit = hit or (by_kb.get(kb_id) if kb_id else None)
                if hit is not None:
                    self._add(run[0].start, run[-1].end, hit)
            candidates = by_surname.get(normalize(token.text), [])
            if len(candidates) == 1:
                self._add(token.start, token.end, candidates[0])
                continue
            kb_id = self.scope.alias(token.text, "person")
            if kb_id in by_kb:
                self._add(token.start, token.end, by_kb[kb_id])
        for start, end, person in self._title_references():
            self._add(start, end, person)
        self.found.sort(key=lambda m: m.start)
        self.draft.mentions = self.found

    def _add(self, start: int, end: int, person: DocPerson) -> None:
        if any(start < e and s < end for s, e in self.taken):
            return
        self.taken.append((start, end))
        self.found.append(Mention(start, end, person))

    def _title_references(self) -> list[tuple[int, int, DocPerson]]:
        """Titles standing alone: a title head with the title words around it, not followed
        by a name."""
        out: list[tuple[int, int, DocPerson]] = []
        words = self.doc.words
        vocab = self.vocab
        russian = self.scope.morph.language == "ru"
        index = 0
        while index < len(words):
            token = words[index]
            if token.key not in vocab.title_heads or not (russian or token.text[0].isupper()):
                index += 1
                continue
            start = index
            while start > 0 and self.doc.gap_ok(words[start - 1], words[start]) and (
                    (words[start - 1].is_capitalised or words[start - 1].is_acronym
                     or (russian and words[start - 1].key in vocab.title_words))
                    and words[start - 1].key not in self.scope.stop
                    and not self.scope.name_word(start - 1)):
                start -= 1
            end = index
            while end + 1 < len(words) and self.doc.gap_ok(words[end], words[end + 1]) and (
                    words[end + 1].key in vocab.connectors or words[end + 1].is_acronym
                    or words[end + 1].key in vocab.title_words
                    or words[end + 1].key in vocab.org_words):
                end += 1
            while end > index and words[end].key in vocab.connectors:
                end -= 1
            index = end + 1
            following = words[end + 1] if end + 1 < len(words) else None
            if following is not None and self.doc.gap_ok(words[end], following) and (
                    self.scope.name_word(end + 1) or following.key in vocab.connectors):
                continue  # a title followed by a name: the name is the mention
            phrase = [t.key for t in words[start:end + 1]]
            person = self._holder(" ".join(t.text for t in words[start:end + 1]), phrase)
            if person is not None:
                out.append((words[start].start, words[end].end, person))
        return out

    def _holder(self, text: str, phrase: list[str]) -> DocPerson | None:
        """The found person a bare title refers to, when exactly one fits: the one whose
        titles hold every word of it, else the holder of the role it names."""
        wanted = set(phrase) - self.vocab.connectors
        fitting = [p for p in self.draft.people
                   if any(wanted <= {"-".join(normalize(w).split()) for w in title.split()}
                          for title in p.titles)]
        if len(fitting) == 1:
            return fitting[0]
        exact = [p for p in fitting
                 if any(wanted == {"-".join(normalize(w).split()) for w in title.split()}
                        - self.vocab.connectors for title in p.titles)]
        if len(exact) == 1:
            return exact[0]  # "the President": the one shown as just "President"
        role = self.scope.linked(text, "role")
        if role is not None:
            holders = [p for p in self.draft.people if any(h.role_id == role for h in p.held)]
            if len(holders) == 1:
                return holders[0]
        heads = wanted & self.vocab.title_heads
        if heads and not fitting:
            fitting = [p for p in self.draft.people
                       if any(heads <= set(normalize(title).split()) for title in p.titles)]
            if len(fitting) == 1:
                return fitting[0]
        return None
