"""Candidate meetings: who met whom ("met with", "received", "провела встречу с"), when,
where, and every topic discussed ("discussed", "exchanged views on", "briefed the guest on",
"обсудили")."""

from __future__ import annotations

import re

from meetbot.curation.ingest.document import (
    DATE_RES,
    Document,
    FoundDate,
    Span,
    Token,
    date_value,
)
from meetbot.curation.ingest.entities import DocMeeting, unique
from meetbot.curation.ingest.scope import DRAFT_PREFIX, Step

LIST_SEPARATOR = re.compile(r",\s+(?:and\s+|и\s+)?|;\s+")
MIN_JOINED_WORDS = 3
"""Both sides of "X and the Y" need this many words to be two topics."""


class MeetingFinder(Step):
    """Finds sentences that report a meeting between found people."""

    def run(self) -> None:
        """Add the candidate meetings (with their dates, places and topics) to the draft."""
        self.draft.meeting_date = self._meeting_date()
        by_key: dict[frozenset[str], DocMeeting] = {}
        for sentence in self.doc.sentences:
            first, last = self.doc.word_range(sentence)
            verb = self.vocab.meeting.find(self.doc.keys, first, last)
            if verb is None:
                continue
            mentions = self.scope.mentions_in(sentence.start, sentence.end)
            if not mentions:
                continue
            pivot = self.doc.words[verb[0]].start
            subject = unique(m.person for m in mentions if m.end <= pivot)
            objects = unique(m.person for m in mentions if m.start >= pivot)
            if not subject:
                groups = [unique([*subject, *objects])]
            else:
                groups = [unique([*subject, other]) for other in objects
                          if other not in subject]
            for people in groups:
                if len(people) < 2:
                    continue
                key = frozenset(p.ref for p in people)
                meeting = by_key.get(key)
                if meeting is None:
                    meeting = DocMeeting(people, sentence)
                    by_key[key] = meeting
                    self.draft.meetings.append(meeting)
                meeting.mentions.append(sentence.start)
                if meeting.sentence != sentence and self._better_summary(sentence,
                                                                         meeting.sentence):
                    meeting.sentence = sentence
                last_end = max(m.end for m in mentions)
                tail = self.doc.index(last_end)
                if people[-1] in objects and tail < last:
                    found = self.vocab.topic_tails.match(self.doc.keys, tail)
                    if found is not None and found < last:
                        self._add_topics(meeting, self.doc.words[found].start, sentence.end)
        for meeting in self.draft.meetings:
            self._date_meeting(meeting)
            self._place_meeting(meeting)
            names = [p.ref.removeprefix(DRAFT_PREFIX) for p in meeting.participants]
            meeting.kb_match = self._kb_meeting(meeting)
            meeting.draft_id = self.scope.new_id("-".join(names[:3]), meeting.date[:4])
        self._find_topics()

    def _better_summary(self, new: Span, old: Span) -> bool:
        """Prefer a full sentence (ending with a full stop) to a headline."""
        def full(span: Span) -> bool:
            return self.doc.at(span).endswith((".", "!", "?"))

        return full(new) and not full(old)

    # -- when and where ---------------------------------------------------------------
    def _dates_in(self, sentence: Span) -> list[FoundDate]:
        text = self.doc.text[sentence.start:sentence.end]
        found = []
        for pattern in DATE_RES:
            for match in pattern.finditer(text):
                value = date_value(match, self.scope.words.months)
                if value:
                    found.append(FoundDate(value, Span(sentence.start + match.start(),
                                                       sentence.start + match.end())))
        return sorted(found, key=lambda d: d.span.start)

    def _dated_here(self, found: FoundDate) -> bool:
        """Whether the date is introduced as the time of something ("on 10 February")."""
        index = self.doc.index(found.span.start)
        for size in (2, 1):
            if index - size >= 0 and self.vocab.meeting_date_leads.match(
                    self.doc.keys, index - size) == index:
                return True
        return False

    def _meeting_date(self) -> FoundDate | None:
        """The date the text gives for its meetings: "On 10 February 2026, the Minister held
        a series of meetings" (a sentence about meeting, not the date line)."""
        for sentence in self.doc.sentences:
            first, last = self.doc.word_range(sentence)
            if not any(k in self.vocab.meeting_words for k in self.doc.keys[first:last]):
                continue
            for found in self._dates_in(sentence):
                if self._dated_here(found):
                    return found
        return None

    def _date_meeting(self, meeting: DocMeeting) -> None:
        own = next((d for d in self._dates_in(meeting.sentence) if self._dated_here(d)), None)
        found = own or self.draft.meeting_date
        if found is not None:
            meeting.date, meeting.date_kind, meeting.date_span = found.value, "meeting", found.span
            return
        meeting.date = self.draft.published
        meeting.date_kind = "report"
        if self.draft.found_date is not None:
            meeting.date_span = self.draft.found_date.span

    def _place_meeting(self, meeting: DocMeeting) -> None:
        """A dateline ("Vienna, 14 March 2026 - ...") names where the report was written."""
        text = self.doc.text[meeting.sentence.start:meeting.sentence.end]
        head = re.match(r"([A-ZА-ЯЁ][\w'’-]+(?: [A-ZА-ЯЁ][\w'’-]+)?),\s+", text)
        if head is None:
            return
        rest = text[head.end():]
        for pattern in DATE_RES:
            match = pattern.match(rest)
            if match is not None and self._name_like_text(head.group(1)):
                meeting.place = head.group(1)
                meeting.place_span = Span(meeting.sentence.start,
                                          meeting.sentence.start + head.end() + match.end())
                return

    def _name_like_text(self, text: str) -> bool:
        words = list(Document(text).tokens)
        return bool(words) and all(self.scope.name_like(t) for t in words)

    def _kb_meeting(self, meeting: DocMeeting) -> str | None:
        wanted = {p.ref for p in meeting.participants}
        for known in self.kb.meetings.values():
            if set(known.participants) == wanted and known.date[:7] == meeting.date[:7]:
                return known.id
        return None

    # -- topics -----------------------------------------------------------------------
    def _find_topics(self) -> None:
        """Topics in sentences of their own ("The parties discussed ...")."""
        for sentence in self.doc.sentences:
            first, last = self.doc.word_range(sentence)
            found = self.vocab.topics.find(self.doc.keys, first, last)
            if found is None or found[1] >= last:
                continue
            start = self.doc.words[found[1]].start
            if self.doc.text[self.doc.words[found[1] - 1].end:start].strip():
                continue  # the words go on in quotation marks, or after a colon
            targets = self._meetings_for(sentence)
            for meeting in targets:
                if meeting.sentence == sentence and meeting.topics:
                    continue
                self._add_topics(meeting, start, sentence.end)

    def _meetings_for(self, sentence: Span) -> list[DocMeeting]:
        mentioned = {m.person.ref for m in self.scope.mentions_in(sentence.start, sentence.end)}
        meetings = self.draft.meetings
        if mentioned:
            both = [m for m in meetings if mentioned <= {p.ref for p in m.participants}]
            if both:
                return both[:1] if len(both) > 1 and len(mentioned) == 1 else both
            common = {ref for ref in mentioned
                      if all(ref in {p.ref for p in m.participants} for m in meetings)}
            return [m for m in meetings if (mentioned - common) & {p.ref for p in m.participants}]
        latest: list[tuple[int, DocMeeting]] = [
            (max(p for p in m.mentions if p <= sentence.start), m) for m in meetings
            if any(p <= sentence.start for p in m.mentions)]
        return [max(latest, key=lambda item: item[0])[1]] if latest else []

    def _add_topics(self, meeting: DocMeeting, start: int, end: int) -> None:
        for piece in self._pieces(start, end):
            if len(self.doc.at(piece).split()) < 2 or self._only_a_date(piece):
                continue
            if all(self.doc.at(piece) != self.doc.at(t) for t in meeting.topics):
                meeting.topics.append(piece)

    def _only_a_date(self, piece: Span) -> bool:
        """"on May 12, 2026": a time, not a topic."""
        text = self.doc.at(piece).strip(" .,;")
        matches = (pattern.fullmatch(text) for pattern in DATE_RES)
        return any(m is not None and date_value(m, self.scope.words.months) for m in matches)

    def _pieces(self, start: int, end: int) -> list[Span]:
        """A list of topics cut at its commas and semicolons, and at "and the" between two
        long enough parts; a list introduced by a dash or colon stays whole."""
        end = self._clause_end(start, end)
        text = self.doc.text[start:end]
        stripped = text.rstrip().rstrip(".;:!,").rstrip()
        intro = re.search(r"\s[-–—]\s|:\s", stripped)
        limit = intro.start() if intro else len(stripped)
        cuts: list[tuple[int, int]] = []
        cursor = 0
        for match in LIST_SEPARATOR.finditer(stripped[:limit]):
            cuts.append((cursor, match.start()))
            cursor = match.end()
        cuts.append((cursor, len(stripped)))
        if len(cuts) > 1 and any(len(stripped[a:b].split()) < 2 for a, b in cuts):
            cuts = [(0, len(stripped))]
        pieces: list[Span] = []
        for a, b in cuts:
            for piece in self._joined(Span(start + a, start + b)):
                pieces.append(self._without_lead(piece))
        return pieces

    def _joined(self, span: Span) -> list[Span]:
        """``span`` cut at "and the" (Russian "и") when both sides have three words."""
        first, last = self.doc.word_range(span)
        words = self.doc.words
        for at in range(first + MIN_JOINED_WORDS, last - MIN_JOINED_WORDS):
            if self.vocab.list_joins.match(self.doc.keys, at) is None:
                continue
            if not any(self._preposition(words[k]) for k in range(first + 1, at)):
                continue  # "the current state and the prospects for ...": one topic
            if self.doc.text[words[at - 1].end:words[at].start].strip():
                continue
            left = Span(span.start, words[at - 1].end)
            right = Span(words[at + 1].start, span.end)
            return [left, *self._joined(right)]
        return [span]

    def _preposition(self, token: Token) -> bool:
        return token.key in self.vocab.prepositions or self.scope.morph.is_preposition(token.text)

    def _clause_end(self, start: int, end: int) -> int:
        """Where a new clause cuts a list of topics short: ", highlighting ...", ", отметив"."""
        first, last = self.doc.word_range(Span(start, end))
        words = self.doc.words
        lead = self._without_lead(Span(start, end))
        if first >= last or self._verbal(words[self.doc.index(lead.start)]):
            return end  # "strengthening X, expanding Y": a list of such topics
        for at in range(first + 1, last):
            gap = self.doc.text[words[at - 1].end:words[at].start]
            if "," in gap and self._verbal(words[at]):
                return words[at - 1].end
        return end

    def _verbal(self, token: Token) -> bool:
        return self.scope.morph.is_gerund(token.text) or self.scope.morph.is_verbal(token.text)

    def _without_lead(self, span: Span) -> Span:
        first, last = self.doc.word_range(span)
        if first < last:
            found = self.vocab.topic_leads.match(self.doc.keys, first)
            if found is not None and found < last:
                return Span(self.doc.words[found].start, span.end)
        return span
