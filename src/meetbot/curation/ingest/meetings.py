"""Candidate meetings: who met whom ("met with", "held talks with"), when, where, and what
they discussed."""

from __future__ import annotations

import re

from meetbot.curation.ingest.document import DATE_RES, Document, Span, date_value
from meetbot.curation.ingest.entities import DocMeeting, unique
from meetbot.curation.ingest.scope import DRAFT_PREFIX, Step
from meetbot.curation.ingest.vocabulary import (
    MEET_RE,
    MEETING_DATE_LEAD,
    TOPIC_LEAD_RE,
    TOPIC_RE,
    TOPIC_TAIL_RE,
)


class MeetingFinder(Step):
    """Finds sentences that report a meeting between found people."""

    def run(self) -> None:
        """Add the candidate meetings (with their dates, places and topics) to the draft."""
        by_key: dict[frozenset[str], DocMeeting] = {}
        for sentence in self.doc.sentences:
            text = self.doc.text[sentence.start:sentence.end]
            verb = MEET_RE.search(text)
            if verb is None:
                continue
            mentions = self.scope.mentions_in(sentence.start, sentence.end)
            if not mentions:
                continue
            pivot = sentence.start + verb.start()
            subject = unique(m.person for m in mentions if m.end <= pivot)
            objects = unique(m.person for m in mentions if m.start >= pivot)
            if verb.group(1) in ("meeting with",) or not subject:
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
                last = max(m.end for m in mentions)
                head = TOPIC_TAIL_RE.match(self.doc.text[last:sentence.end])
                if people[-1] in objects and head is not None:
                    self._add_topics(meeting, last + head.end(), sentence.end)
        for meeting in self.draft.meetings:
            self._date_meeting(meeting)
            self._place_meeting(meeting)
            names = [p.ref.removeprefix(DRAFT_PREFIX) for p in meeting.participants]
            year = meeting.date[:4]
            meeting.kb_match = self._kb_meeting(meeting)
            meeting.draft_id = self.scope.new_id("-".join(names[:3]), year)
        self._find_topics()

    def _better_summary(self, new: Span, old: Span) -> bool:
        """Prefer a full sentence (ending with a full stop) to a headline."""
        def full(span: Span) -> bool:
            return self.doc.at(span).endswith((".", "!", "?"))

        return full(new) and not full(old)

    def _date_meeting(self, meeting: DocMeeting) -> None:
        text = self.doc.text[meeting.sentence.start:meeting.sentence.end]
        for pattern in DATE_RES:
            for match in pattern.finditer(text):
                value = date_value(match, self.scope.words.months)
                before = text[:match.start()].rstrip().lower()
                if value and before.endswith(MEETING_DATE_LEAD):
                    meeting.date, meeting.date_kind = value, "meeting"
                    meeting.date_span = Span(meeting.sentence.start + match.start(),
                                             meeting.sentence.start + match.end())
                    return
        meeting.date = self.draft.published
        meeting.date_kind = "report"
        if self.draft.found_date is not None:
            meeting.date_span = self.draft.found_date.span

    def _place_meeting(self, meeting: DocMeeting) -> None:
        """A dateline ("Vienna, 14 March 2026 - ...") names where the report was written."""
        text = self.doc.text[meeting.sentence.start:meeting.sentence.end]
        head = re.match(r"([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?),\s+", text)
        if head is None:
            return
        rest = text[head.end():]
        for pattern in DATE_RES:
            match = pattern.match(rest)
            if match is not None and not self._name_like_text(head.group(1)):
                continue
            if match is not None:
                meeting.place = head.group(1)
                meeting.place_span = Span(meeting.sentence.start,
                                          meeting.sentence.start + head.end() + match.end())
                return

    def _name_like_text(self, text: str) -> bool:
        words = [t for t in Document(text).tokens]
        return bool(words) and all(self.scope.name_like(t) for t in words)

    def _kb_meeting(self, meeting: DocMeeting) -> str | None:
        wanted = {p.ref for p in meeting.participants}
        for known in self.kb.meetings.values():
            if set(known.participants) == wanted and known.date[:7] == meeting.date[:7]:
                return known.id
        return None

    def _find_topics(self) -> None:
        """Topics in sentences of their own (\"The parties discussed ...\")."""
        for sentence in self.doc.sentences:
            text = self.doc.text[sentence.start:sentence.end]
            match = TOPIC_RE.search(text)
            if match is None or text[match.end():].lstrip().startswith('"'):
                continue
            targets = self._meetings_for(sentence)
            if not targets:
                continue
            for meeting in targets:
                if meeting.sentence == sentence and meeting.topics:
                    continue
                self._add_topics(meeting, sentence.start + match.end(), sentence.end)

    def _meetings_for(self, sentence: Span) -> list[DocMeeting]:
        mentioned = {m.person.ref for m in self.scope.mentions_in(sentence.start, sentence.end)}
        if mentioned:
            both = [m for m in self.draft.meetings if mentioned <= {p.ref for p in m.participants}]
            if both:
                return both[:1] if len(both) > 1 and len(mentioned) == 1 else both
            common = {ref for ref in mentioned
                      if all(ref in {p.ref for p in m.participants} for m in self.draft.meetings)}
            return [m for m in self.draft.meetings
                    if (mentioned - common) & {p.ref for p in m.participants}]
        latest: list[tuple[int, DocMeeting]] = [
            (max(p for p in m.mentions if p <= sentence.start), m) for m in self.draft.meetings
            if any(p <= sentence.start for p in m.mentions)]
        return [max(latest, key=lambda item: item[0])[1]] if latest else []

    def _add_topics(self, meeting: DocMeeting, start: int, end: int) -> None:
        text = self.doc.text[start:end]
        stripped = text.rstrip().rstrip(".;:!").rstrip()
        # a list introduced by a dash or colon ("three dimensions - a, b, and c") stays whole
        intro = re.search(r"\s[-–—]\s|:\s", stripped)
        limit = intro.start() if intro else len(stripped)
        pieces: list[tuple[int, int]] = []
        cursor = 0
        for match in re.finditer(r",\s+(?:and\s+)?|;\s+", stripped[:limit]):
            pieces.append((cursor, match.start()))
            cursor = match.end()
        pieces.append((cursor, len(stripped)))
        if len(pieces) > 1 and any(len(stripped[a:b].split()) < 2 for a, b in pieces):
            pieces = [(0, len(stripped))]
        for a, b in pieces:
            piece = stripped[a:b]
            lead = TOPIC_LEAD_RE.match(piece)
            offset = lead.end() if lead else 0
            piece_start = start + a + offset
            piece_end = start + b
            if len(self.doc.at(Span(piece_start, piece_end)).split()) < 2:
                continue
            span = Span(piece_start, piece_end)
            if all(self.doc.at(span) != self.doc.at(t) for t in meeting.topics):
                meeting.topics.append(span)
