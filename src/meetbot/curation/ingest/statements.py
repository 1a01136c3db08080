"""Statements: what people said, quoted (direct) or told by the text (reported).

- Direct: a quotation ("...", “...”, «...») and its speaker, named beside it (", Minister
  Marsh said", "– подчеркнула Ирена Валкова", "– заявила Верховный комиссар"), or a pronoun
  ("he stated") taken as the nearest person named before whom the text shows of that gender,
  else as the subject of the sentence before.
- Reported: a sentence whose subject is a person, right before a verb of saying ("For her
  part, Margareta Cederfelt expressed support for ...", "The Head of State stressed that
  ...", "Sanja Petrova, who informed her about ...", "He also shared ..."), or that says
  whose words it gives ("According to Secretary General Haddad, ...", "По словам ...").
"""

from __future__ import annotations

import re

from meetbot.curation.ingest.document import Span
from meetbot.curation.ingest.entities import DocMeeting, DocPerson, Mention, Statement, unique
from meetbot.curation.ingest.language import word_key
from meetbot.curation.ingest.scope import Scope, Step
from meetbot.lang.normalize import normalize

_QUOTE_RES = (re.compile(r'"([^"\n]+)"'), re.compile(r"“([^”\n]+)”"),
              re.compile(r"«([^»\n]+)»"), re.compile(r"„([^“”\n]+)[“”]"))
MIN_QUOTE_WORDS = 4
INTRO_REACH = 6
"""Words after "According to" within which its speaker is named."""


class StatementFinder(Step):
    """Finds statements and their speakers, and attaches each to the speaker's meeting."""

    def run(self) -> None:
        """Add the statements to the meetings (or keep them loose)."""
        quotes = self._quotes()
        found: list[tuple[DocPerson | None, Span, str, str]] = []
        for quote, attribution in quotes:
            speaker, how = self._speaker(quote, attribution)
            found.append((speaker, quote, how, "direct"))
        quoted = [Span(a.start, a.end) for _, a in quotes] + [q for q, _ in quotes]
        for sentence in self.doc.sentences:
            if any(q.start < sentence.end and sentence.start < q.end for q in quoted):
                continue  # a quotation's sentence: its words are the statement
            reported = self._reported(sentence)
            if reported is not None:
                found.append((reported[0], sentence, reported[1], "reported"))
        for speaker, span, how, kind in sorted(found, key=lambda item: item[1].start):
            meeting = self._meeting_of(speaker, span.start) if speaker else None
            if speaker is not None and meeting is not None:
                meeting.statements.append(Statement(speaker, span, how, kind))
            elif kind == "direct":
                self.draft.loose_statements.append((speaker, span, how))

    # -- direct -----------------------------------------------------------------------
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
            if self.vocab.speech.find([word_key(w) for w in match.group(2).split()]):
                out.append((inner, self._attribution(match.start(1), match.end(1) + 1)))
        cleaned: list[tuple[Span, Span]] = []
        for inner, attribution in sorted(out, key=lambda item: item[0].start):
            text = self.doc.text[inner.start:inner.end]
            trimmed = text.rstrip().rstrip(",").rstrip()
            span = Span(inner.start + (len(text) - len(text.lstrip())),
                        inner.start + len(trimmed))
            if len(self.doc.at(span).split()) >= MIN_QUOTE_WORDS:
                cleaned.append((span, attribution))
        return cleaned

    def _attribution(self, quote_start: int, quote_end: int) -> Span:
        """The words around a quotation in its sentence ("..., the President said.")."""
        line = self.doc.line_of(quote_start)
        line_end = max(line.end, quote_end)
        after = self.doc.text[quote_end:line_end]
        stop = re.search(r"[.!?](?:\s|$)", after)
        end = quote_end + (stop.end() if stop else len(after))
        before = self.doc.text[line.start:quote_start]
        colon = re.search(r"[^.!?]*$", before)
        start = line.start + (colon.start() if colon else len(before))
        return Span(start, end)

    def _speaker(self, quote: Span, attribution: Span) -> tuple[DocPerson | None, str]:
        around = [m for m in self.scope.mentions_in(attribution.start, attribution.end)
                  if not (quote.start <= m.start < quote.end)]
        if around:
            after = [m for m in around if m.start >= quote.end]
            mention = (after or around)[0]
            said = self.doc.at(Span(mention.start, mention.end))
            return mention.person, f"attributed to {said!r}"
        outside = (self.doc.text[attribution.start:quote.start] + " "
                   + self.doc.text[quote.end:attribution.end])
        keys = [word_key(w) for w in outside.split()]
        pronoun = next((k for k in keys if self.vocab.pronoun_gender(k)), None)
        if pronoun is not None and self.vocab.speech.find(keys):
            return self._resolve(pronoun, attribution.start)
        return None, "speaker not found"

    # -- reported ---------------------------------------------------------------------
    def _reported(self, sentence: Span) -> tuple[DocPerson, str] | None:
        first, last = self.doc.word_range(sentence)
        keys = self.doc.keys
        words = self.doc.words
        for at in range(first, min(last, first + 4)):
            intro = self.vocab.speaker_intros.match(keys, at)
            if intro is None:
                continue
            later = [m for m in self.scope.mentions_in(words[intro].start, sentence.end)
                     if self.doc.index(m.start) - intro < INTRO_REACH] if intro < last else []
            if later:
                said = self.doc.at(Span(later[0].start, later[0].end))
                return later[0].person, f"reported: according to {said!r}"
        verb = self.vocab.speech.find(keys, first, last)
        if verb is None:
            return None
        at = verb[0] - 1
        while at >= first and keys[at] in self.vocab.subject_skips:
            at -= 1
        if at < first:
            return None
        if keys[at] in self.vocab.relatives and at > first:
            at -= 1
        if self.vocab.pronoun_gender(keys[at]) and self._opens(first, at):
            person, how = self._resolve(keys[at], words[at].start)
            return (person, how.replace("guessed:", "reported, guessed:")) if person else None
        mention = self._mention_ending(words[at].end)
        if mention is None:
            return None
        said = self.doc.at(Span(mention.start, mention.end))
        return mention.person, f"reported: said by {said!r}"

    def _opens(self, first: int, at: int) -> bool:
        """Whether the word ``at`` is where the sentence's own clause starts."""
        if at == first:
            return True
        between = self.doc.text[self.doc.words[first].start:self.doc.words[at].start]
        return between.rstrip().endswith(",")

    def _mention_ending(self, end: int) -> Mention | None:
        return next((m for m in self.draft.mentions if m.end == end), None)

    # -- who "he" and "she" are -------------------------------------------------------
    def _resolve(self, pronoun: str, position: int) -> tuple[DocPerson | None, str]:
        """The nearest person named before ``position`` whom the text shows of the
        pronoun's gender; else the subject of the sentence before."""
        gender = self.vocab.pronoun_gender(pronoun)
        said = next((w.text for w in self.doc.words if w.start >= position
                     and w.key == pronoun), pronoun)
        previous = [m for m in self.draft.mentions if m.end <= position]
        for mention in reversed(previous):
            if mention.person.gender == gender:
                return mention.person, (f"guessed: {said.lower()!r} taken as the nearest "
                                        f"{gender} person named before")
        if previous:
            sentence = self.doc.sentence_of(previous[-1].start)
            subject = self._subject(sentence, gender)
            if subject is not None:
                return subject, (f"guessed: {said.lower()!r} taken as the subject of the "
                                 "sentence before")
        return None, "speaker not found"

    def _subject(self, sentence: Span, gender: str | None) -> DocPerson | None:
        """The person a sentence is about: its first mention, after an opening phrase
        ("During the meeting with X, Minister Y ...") when there is one."""
        mentions = self.scope.mentions_in(sentence.start, sentence.end)
        first, last = self.doc.word_range(sentence)
        if first < last and self.vocab.openers.match(self.doc.keys, first) is not None:
            comma = self.doc.text.find(",", sentence.start, sentence.end)
            if comma > 0:
                mentions = [m for m in mentions if m.start > comma] or mentions
        for mention in mentions:
            if mention.person.gender in (None, gender):
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
