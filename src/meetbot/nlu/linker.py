"""Entity linking: the names, dates and quotations a question mentions.

Word n-grams of the question are looked up in the :class:`~meetbot.nlu.lexicon.Lexicon`,
longest first, exactly (in the question's script and in Latin letters), then fuzzily, so
"tokaev", "shmid" and "kosherbaev" link while "camp" does not become "Kamp". Years and
month names become date mentions.
"""

from __future__ import annotations

import re
from dataclasses import replace

from meetbot.domain.route import Mention
from meetbot.lang.words import LanguageWords
from meetbot.nlu.lexicon import Lexicon, latin
from meetbot.nlu.quotes import StatementIndex

YEAR = re.compile(r"^(19|20)\d\d$")


class EntityLinker:
    """Finds mentions of the lexicon's entries, dates and quotations in a question."""

    def __init__(self, lexicon: Lexicon, statements: StatementIndex,
                 words: LanguageWords) -> None:
        self.lexicon = lexicon
        self.statements = statements
        self.words = words

    def link(self, words: list[str], *, fuzzy: bool = True, quotes: bool = True,
             raw: str | None = None, implicit: bool = False) -> list[Mention]:
        """Find quotation, entity and date mentions in normalised ``words``, longest first.

        Text in quotation marks is a quotation; with ``implicit``, so is a long run of words
        found in a recorded statement.
        """
        lexicon = self.lexicon
        taken = [False] * len(words)
        found: list[Mention] = (self.statements.quotes(words, raw, implicit,
                                                       lexicon.alias_words)
                                if quotes else [])
        for mention in found:
            for i in range(mention.start, mention.end):
                taken[i] = True
        # a phrase in Latin is its words in Latin
        latin_words = [w if w.isascii() else latin(w) for w in words]
        # Each span of up to ``max_alias_words`` words is considered, longest first. Per
        # word, once, rather than for each span that holds it: whether it is a function
        # word and whether it occurs in some alias (an exact match needs every word of the
        # span to). ``*_reach[i]`` is where the run of such words starting at ``i`` ends,
        # so "are all words of words[start:end] such" is ``end <= reach[start]``.
        stopwords = self.words.stopwords
        fillers = self.words.fillers
        alias_words = lexicon.alias_words
        function_reach = reach([w in stopwords or w in fillers for w in words])
        native_reach = reach([w in alias_words for w in words])
        latin_reach = native_reach if latin_words == words else reach(
            [all(part in alias_words for part in w.split()) for w in latin_words])
        free_reach = reach([not t for t in taken]) if found else [len(words)] * (
            len(words) + 1)
        latin_function = [w in stopwords or w in lexicon.latin_stopwords
                          for w in latin_words] if fuzzy else []
        alias_like: list[bool | None] = [None] * len(words)  # filled in as needed
        aliases = lexicon.aliases
        for size in range(min(lexicon.max_alias_words, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                end = start + size
                if end > free_reach[start] or end <= function_reach[start]:
                    continue  # overlaps a mention found already, or only function words
                hit = None
                score = 100.0
                if end <= native_reach[start]:
                    hit = aliases.get(" ".join(words[start:end]))
                if hit is None and end <= latin_reach[start]:
                    hit = aliases.get(" ".join(latin_words[start:end]))
                # A fuzzy match never starts or ends with a function word, and each of its
                # other words must be (a typo of) a word of some alias.
                if hit is None and fuzzy and not (latin_function[start]
                                                  or latin_function[end - 1]):
                    for i in range(start, end) if size > 1 else ():
                        if latin_function[i]:
                            continue
                        like = alias_like[i]
                        if like is None:
                            like = alias_like[i] = lexicon.could_be_alias_word(latin_words[i])
                        if not like:
                            break
                    else:
                        latin_chunk = latin_words[start:end]
                        hit, score = lexicon.fuzzy(" ".join(latin_chunk), latin_chunk, size)
                if hit is None:
                    continue
                kind, entry_id = hit[0]
                found.append(Mention(kind, entry_id, " ".join(words[start:end]), score,
                                     start, end))
                for i in range(start, end):
                    taken[i] = True
                free_reach = reach([not t for t in taken])
        found.extend(self._partials(latin_words, taken, fuzzy))
        months = self.words.months
        for i, word in enumerate(words):
            if taken[i]:
                continue
            if YEAR.match(word):
                found.append(Mention("date", word, word, 100.0, i, i + 1))
            elif self.words.is_month(word, before_year=_next_is_year(words, i)):
                year = words[i + 1] if _next_is_year(words, i) else "????"
                found.append(Mention("date", f"{year}-{months[word]:02d}", word, 100.0,
                                     i, i + 1))
        found.sort(key=lambda m: m.start)
        return _merge_month_year(found)


    def _partials(self, words: list[str], taken: list[bool], fuzzy: bool) -> list[Mention]:
        """Roles, organisations and events named by some of their alias's words ("the media
        freedom guy", "the minorities commissioner", "sec gen", "the summit in Astana"): runs
        of two to four content words, longest first, that only one entry's alias holds."""
        if not fuzzy:
            return []
        stop, fillers = self.words.stopwords, self.words.fillers
        found: list[Mention] = []
        for size in range(4, 1, -1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if any(taken[i] for i in span):
                    continue
                run = words[start:start + size]
                if run[0] in stop or run[-1] in stop:
                    continue
                content = [w for w in run if w not in stop and w not in fillers]
                if sum(not w.isdigit() for w in content) < 2:
                    continue  # a number counts only beside two words ("32nd council")
                hit = self.lexicon.partial(content)
                if hit is None:
                    continue
                found.append(Mention(hit[0], hit[1], " ".join(run), PARTIAL_SCORE, start,
                                     start + size, partial=True))
                for i in span:
                    taken[i] = True
        return found


PARTIAL_SCORE = 90.0
"""How closely a role, organisation or event named by part of its alias counts as named."""


def reach(flags: list[bool]) -> list[int]:
    """Per position ``i``: the end of the run of true ``flags`` starting there (``i`` when
    ``flags[i]`` is false); one more entry, for the end of the list."""
    ends = [len(flags)] * (len(flags) + 1)
    for i in range(len(flags) - 1, -1, -1):
        ends[i] = ends[i + 1] if flags[i] else i
    return ends


def _next_is_year(words: list[str], i: int) -> bool:
    return i + 1 < len(words) and bool(YEAR.match(words[i + 1]))


def _merge_month_year(mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for mention in mentions:
        if (out and mention.kind == "date" and out[-1].kind == "date"
                and len(out[-1].id) == 7 and out[-1].id.startswith(mention.id)
                and out[-1].end == mention.start):
            last = out.pop()
            out.append(replace(last, end=mention.end, text=f"{last.text} {mention.text}"))
        else:
            out.append(mention)
    return out
