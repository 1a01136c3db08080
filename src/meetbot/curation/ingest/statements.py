"""Statements: quotations in the document, with who said them."""

from __future__ import annotations

import re

from meetbot.curation.ingest.document import Span
from meetbot.curation.ingest.entities import DocMeeting, DocPerson, unique
from meetbot.curation.ingest.scope import Scope, Step
from meetbot.curation.ingest.vocabulary import OPENER_RE, PRONOUNS, SAY_RE
from meetbot.lang.normalize import normalize

_QUOTE_RES = (re.compile(r'"([^"\n]+)"'), re.compile(r"“([^”\n]+)”"),
              re.compile(r"«([^»\n]+)»"), re.compile(r"„([^“”\n]+)[“”]"))


class StatementFinder(Step):
    """Finds quotations and their speakers (named beside them, or "he"/"she")."""

    def _quotes(self) -> list[tuple[Span, Span]]:
        """(quote, attribution) spans: quoted text and the rest of its sentence."""
        out: list[tuple[Span, Span]] = []
        for pattern in _QUOTE_RES:
            for match in pattern.finditer(self.doc.text):
                inner = Span(match.start(1), match.end(1))
                out.append((inner, self._attribution(match.start(), match.end())))
        # a closing quotation mark whose opening one is missing: quote from the paragraph start
        for match in re.finditer(r'(?m)^([^"\n]+[,.!?])"([^"\n]*)$', self.doc.text):
            inner = Span(match.start(1), match.end(1))
            if any(s.start <= inner.start < s.end for s, _ in out):
                continue
            if SAY_RE.search(match.group(2)):
                out.append((inner, self._attribution(match.start(1), match.end(1) + 1)))
        cleaned: list[tuple[Span, Span]] = []
        for inner, attribution in sorted(out, key=lambda item: item[0].start):
            text = self.doc.text[inner.start:inner.end]
            trimmed = text.rstrip().rstrip(",").rstrip()
            span = Span(inner.start + (len(text) - len(text.lstrip())),
                        inner.start + len(trimmed))
            if len(self.doc.at(span).split()) >= 4:
                cleaned.append((span, attribution))
        return cleaned

    def _attribution(self, quote_start: int, quote_end: int) -> Span:
        """The words around a quotation in its sentence ("..., the President said.")."""
        line_start = self.doc.text.rfind("\n", 0, quote_start) + 1
        line_end = self.doc.text.find("\n", quote_end)
        line_end = len(self.doc.text) if line_end < 0 else line_end
        after = self.doc.text[quote_end:line_end]
        stop = re.search(r"[.!?](?:\s|$)", after)
        end = quote_end + (stop.end() if stop else len(after))
        before = self.doc.text[line_start:quote_start]
        colon = re.search(r"[^.!?]*$", before)
        start = line_start + (colon.start() if colon else len(before))
        return Span(start, end)

    def run(self) -> None:
        """Attach each quotation to its speaker's meeting (or keep it loose)."""
        for quote, attribution in self._quotes():
            speaker, how = self._speaker(quote, attribution)
            meeting = self._meeting_of(speaker, quote.start) if speaker else None
            if speaker is not None and meeting is not None:
                meeting.statements.append((speaker, quote, how))
            else:
                self.draft.loose_statements.append((speaker, quote, how))

    def _speaker(self, quote: Span, attribution: Span) -> tuple[DocPerson | None, str]:
        around = [m for m in self.scope.mentions_in(attribution.start, attribution.end)
                  if not (quote.start <= m.start < quote.end)]
        if around:
            after = [m for m in around if m.start >= quote.end]
            mention = (after or around)[0]
            said = self.doc.at(Span(mention.start, mention.end))
            return mention.person, f"attributed to {said!r}"
        tail = self.doc.text[quote.end:attribution.end].lower()
        head = self.doc.text[attribution.start:quote.start].lower()
        pronoun = re.search(r"\b(he|she)\b", f"{head} {tail}")
        if pronoun and SAY_RE.search(f"{head} {tail}"):
            previous = [m for m in self.draft.mentions if m.end <= attribution.start]
            if previous:
                sentence = self.doc.sentence_of(previous[-1].start)
                subject = self._subject(sentence, PRONOUNS[pronoun.group(1)])
                if subject is not None:
                    return subject, (f"guessed: {pronoun.group(1)!r} taken as the subject of "
                                     "the sentence before")
        return None, "speaker not found"

    def _subject(self, sentence: Span, gender: str) -> DocPerson | None:
        """The person a sentence is about: its first mention, after an opening phrase
        ("During the meeting with X, Minister Y ...") when there is one."""
        mentions = self.scope.mentions_in(sentence.start, sentence.end)
        text = self.doc.text[sentence.start:sentence.end]
        opener = OPENER_RE.match(text)
        if opener is not None:
            main = [m for m in mentions if m.start >= sentence.start + opener.end()]
            mentions = main or mentions
        for mention in mentions:
            known = self.kb.people.get(mention.person.kb_id or "")
            if known is None or known.gender in (None, gender):
                return mention.person
        return None

    def _meeting_of(self, speaker: DocPerson, position: int) -> DocMeeting | None:
        options = [m for m in self.draft.meetings if speaker in m.participants]
        before = [(max(p for p in m.mentions if p <= position), m) for m in options
                  if any(p <= position for p in m.mentions)]
        if before:
            return max(before, key=lambda item: item[0])[1]
        return options[0] if options else None



def find_events(scope: Scope) -> list[str]:
    """Ids of the knowledge base's events the document mentions."""
    words = normalize(scope.doc.text).split()
    link = scope.router.linker.link
    return unique(m.id for m in link(words[:5000], quotes=False, fuzzy=False)
                  if m.kind == "event")
