"""Organisations written out with their acronym: "Full Name (ACR)"."""

from __future__ import annotations

import re

from meetbot.curation.ingest.document import SPACES_RE, Span
from meetbot.curation.ingest.entities import DocOrg
from meetbot.curation.ingest.scope import Step
from meetbot.curation.ingest.vocabulary import CONNECTORS
from meetbot.lang.normalize import normalize


class OrgFinder(Step):
    """Finds "Full Name (ACR)" and matches it to the knowledge base's organisations."""

    def run(self) -> list[DocOrg]:
        """The organisations of the document, each once."""
        orgs: list[DocOrg] = []
        seen: set[str] = set()
        for match in re.finditer(r"\(([A-Za-z]{2,10})\)", self.doc.text):
            acronym = match.group(1)
            if sum(1 for ch in acronym if ch.isupper()) < 2:
                continue
            found = self._expand_acronym(acronym, match.start())
            if found is None:
                continue
            start, name_start = found
            name = self.doc.at(Span(name_start, match.start()))
            if normalize(name) in seen:
                continue
            seen.add(normalize(name))
            org = DocOrg(name, acronym, Span(start, match.end()))
            org.kb_id = (self.scope.alias(name, "org") or self.scope.alias(acronym, "org")
                         or self.scope.linked(name, "org"))
            prefix = self.doc.at(Span(start, name_start))
            if prefix:
                org.parent = self.scope.alias(prefix, "org")
                org.name = f"{prefix} {name}"
            orgs.append(org)
        for org in orgs:
            if org.kb_id is None:
                org.draft_id = self.scope.new_id(org.acronym)
        return orgs

    def _expand_acronym(self, acronym: str, paren: int) -> tuple[int, int] | None:
        """Where "Full Name" (and a known-organisation prefix) start before "(ACR)"."""
        words = [t for t in self.doc.words if t.end <= paren]
        letters = [ch for ch in acronym if ch.isupper()]
        index = len(words) - 1
        position = paren
        name_start: int | None = None
        while index >= 0 and letters:
            token = words[index]
            gap = self.doc.text[token.end:position]
            if gap.strip() or "\n" in gap:
                return None
            if token.norm in CONNECTORS and token.text.islower():
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

