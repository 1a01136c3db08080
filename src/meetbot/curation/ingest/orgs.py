"""Organisations the document names: "Full Name (ACR)", names led by a known organisation's
acronym ("OSCE Programme Office in Dravik"), and the organisations of new roles."""

from __future__ import annotations

from meetbot.curation.ingest.document import ACRONYM_RE, SPACES_RE, Span, Token
from meetbot.curation.ingest.entities import DocOrg, Held
from meetbot.curation.ingest.scope import Step
from meetbot.lang.normalize import normalize


class OrgFinder(Step):
    """Finds organisations and matches them to the knowledge base's."""

    def run(self) -> list[DocOrg]:
        """The organisations of the document, each once."""
        for match in ACRONYM_RE.finditer(self.doc.text):
            acronym = match.group(1)
            if sum(1 for ch in acronym if ch.isupper()) < 2:
                continue
            found = self._expand_acronym(acronym, match.start())
            if found is not None:
                start, name_start = found
                self.add(self.doc.at(Span(name_start, match.start())), acronym,
                         Span(start, match.end()), self.doc.at(Span(start, name_start)))
        words = self.doc.words
        for index, token in enumerate(words):
            if token.is_acronym and self.scope.alias(token.text, "org"):
                self._led_by(index)
        return self.draft.orgs

    def add(self, name: str, acronym: str | None, span: Span, prefix: str = "") -> DocOrg:
        """The organisation ``name`` (found at ``span``), added once."""
        full = f"{prefix} {name}" if prefix else name
        for org in self.draft.orgs:
            if normalize(org.name) in (normalize(full), normalize(name)):
                return org
        org = DocOrg(full, acronym, span)
        org.kb_id = (self.scope.alias(name, "org") or self.scope.alias(full, "org")
                     or (self.scope.alias(acronym, "org") if acronym else None)
                     or self.scope.linked(full, "org"))
        first = name.split()[0] if name.split() else ""
        parent = self.scope.alias(prefix, "org") if prefix else None
        if parent is None and first != name:
            parent = self.scope.alias(first, "org")
        org.parent = parent if parent != org.kb_id else None
        if org.kb_id is None:
            org.draft_id = self.scope.new_id(acronym or name)
        self.draft.orgs.append(org)
        return org

    def _led_by(self, index: int) -> None:
        """"OSCE Secretariat", "OSCE Programme Office in Dravik": a known organisation's
        acronym, capitalised words ending with an organisation's head word, and for field
        offices the place ("in Dravik")."""
        words = self.doc.words
        end = index
        last_head: int | None = None
        while end + 1 < len(words) and self.scope.spaces(words[end], words[end + 1]):
            token = words[end + 1]
            if not token.is_capitalised or token.key in self.vocab.title_words:
                break
            end += 1
            if token.key in self.vocab.org_heads:
                last_head = end
        if last_head is None:
            return
        stop = last_head
        while (stop + 2 < len(words) and words[stop + 1].key in self.vocab.connectors
               and words[stop + 1].text.islower() and words[stop + 2].is_capitalised
               and self.scope.spaces(words[stop], words[stop + 1])
               and self.scope.spaces(words[stop + 1], words[stop + 2])):
            if words[stop + 1].key in self.vocab.place_connectors and \
                    words[last_head].key not in self.vocab.org_place_heads:
                break  # "the OSCE Secretariat in Vienna": where it is, not its name
            stop += 2
            while (stop + 1 < len(words) and words[stop + 1].is_capitalised
                   and self.scope.spaces(words[stop], words[stop + 1])):
                stop += 1
        span = Span(words[index].start, words[stop].end)
        if ACRONYM_RE.match(self.doc.text, span.end + 1):
            return  # "Full Name (ACR)": found with its acronym
        self.add(self.doc.at(span), None, span)

    # -- the organisation of a new role ----------------------------------------------
    def of_title(self, held: Held) -> str | None:
        """The organisation a new role's title names, as an id (the knowledge base's, or a
        new draft organisation's), or None."""
        span = held.title_span
        for org in self.draft.orgs:
            if span.start <= org.span.start and org.span.end <= span.end + 1:
                return org.kb_id or org.draft_id
        words = [t for t in self.doc.words if span.start <= t.start and t.end <= span.end]
        named = self._named_in(words)
        if named is not None:
            return named
        ministry = self._ministry(words)
        if ministry is not None:
            return ministry
        in_text = [org for org in self.draft.orgs
                   if f" {normalize(org.name)} " in f" {normalize(held.title)} "]
        if in_text:
            best = max(in_text, key=lambda org: len(org.name))
            return best.kb_id or best.draft_id
        linked = [m for m in self.router.linker.link(normalize(held.title).split(), quotes=False,
                                                     fuzzy=False) if m.kind == "org"]
        if linked:
            return max(linked, key=lambda m: m.end - m.start).id
        return None

    def _named_in(self, words: list[Token]) -> str | None:
        """An organisation's name inside a title: "Speaker of the National Assembly of X"."""
        for at in range(1, len(words)):
            if not (words[at].is_capitalised or words[at].is_acronym):
                continue
            if words[at - 1].key not in self.vocab.connectors:
                continue
            run = words[at:]
            while run and run[-1].key in self.vocab.connectors:
                run = run[:-1]
            if run and any(t.key in self.vocab.org_heads for t in run):
                span = Span(run[0].start, run[-1].end)
                org = self.add(self.doc.at(span), None, span)
                return org.kb_id or org.draft_id
        return None

    def _ministry(self, words: list[Token]) -> str | None:
        """"Minister of Foreign Affairs of X" works for the "Ministry of Foreign Affairs of X":
        an organisation the knowledge base has, or the text names."""
        keys = [t.key for t in words]
        for at, key in enumerate(keys):
            ministry = self.vocab.ministries.get(key)
            if ministry is None or at + 1 >= len(words):
                continue
            if at > 0 and keys[at - 1] in self.vocab.ministry_blockers:
                return None  # "Prime Minister": no ministry
            tail = words[at + 1:]
            tail_text = self.doc.at(Span(tail[0].start, tail[-1].end))
            known = self.scope.alias(f"{ministry} {tail_text}", "org")
            if known:
                return known
            found = self._in_text(ministry, [t.key for t in tail])
            if found is not None:
                org = self.add(self.doc.at(found), None, found)
                return org.kb_id or org.draft_id
        return None

    def _in_text(self, head: str, tail: list[str]) -> Span | None:
        """Where the text writes ``head`` followed by the words ``tail``."""
        words = self.doc.words
        keys = self.doc.keys
        wanted = [normalize(head).replace(" ", "-"), *tail]
        for at in range(len(keys) - len(wanted) + 1):
            if keys[at:at + len(wanted)] == wanted and all(
                    SPACES_RE.match(self.doc.text[a.end:b.start])
                    for a, b in zip(words[at:at + len(wanted) - 1],
                                    words[at + 1:at + len(wanted)], strict=True)):
                return Span(words[at].start, words[at + len(wanted) - 1].end)
        return None

    def _expand_acronym(self, acronym: str, paren: int) -> tuple[int, int] | None:
        """Where "Full Name" (and a known-organisation prefix) start before "(ACR)"."""
        words = self.doc.words[:self.doc.index(paren)]
        letters = [ch for ch in acronym if ch.isupper()]
        index = len(words) - 1
        position = paren
        name_start: int | None = None
        while index >= 0 and letters:
            token = words[index]
            gap = self.doc.text[token.end:position]
            if gap.strip() or "\n" in gap:
                return None
            if token.key in self.vocab.connectors and token.text.islower():
                position = token.start
                index -= 1
                continue
            if not token.text[0].isupper():
                return None
            if token.text[0].upper() != letters[-1]:
                if token.is_acronym and token.text.upper() == "".join(letters[-len(token.text):]):
                    del letters[-len(token.text):]
                else:
                    return None
            else:
                letters.pop()
            name_start = token.start
            position = token.start
            index -= 1
        if letters or name_start is None:
            return None
        start = name_start
        if index >= 0:
            token = words[index]
            gap = self.doc.text[token.end:name_start]
            if SPACES_RE.match(gap) and token.is_acronym and self.scope.alias(token.text, "org"):
                start = token.start
        return start, name_start
