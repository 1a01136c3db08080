"""The words of the catalogue languages that are not about the knowledge base.

Every language's function words, fillers, month names and pronouns come from its catalogue
(``lang/locales/<code>.yaml``, English included), normalised as questions are, and merged
into one :class:`LanguageWords`: the understanding layer never holds a word list of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from meetbot.lang.catalog import Catalog
from meetbot.lang.normalize import normalize
from meetbot.lang.stemming import SuffixStemmer


@dataclass(frozen=True)
class LanguageWords:
    """Function words, fillers, months and pronouns of every catalogue language."""

    stopwords: frozenset[str]
    """Words with no content of their own, of any language."""
    fillers: frozenset[str]
    """Politeness and hesitation ("please", "so"): they weigh almost nothing."""
    months: Mapping[str, int]
    """Month names (normalised) and their numbers."""
    female: frozenset[str]
    male: frozenset[str]
    plural: frozenset[str]
    things: frozenset[str]
    """Pronouns that stand for an organisation, event or role ("it")."""
    back_references: frozenset[str]
    """Every word that refers back to the conversation ("she", "it", "that", "there")."""
    others: frozenset[str] = frozenset()
    """Words for the other person of the meeting under discussion ("the other one")."""
    stemmers: Mapping[str, SuffixStemmer] = field(default_factory=dict)
    """Per language stemmed by its endings (Kazakh), the stemmer."""
    letters: Mapping[str, str] = field(default_factory=dict)
    """Per language with letters of its own, those letters."""
    yes_no_openers: frozenset[str] = frozenset()
    yes_no_particles: frozenset[str] = frozenset()
    open_questions: frozenset[str] = frozenset()
    wh_words: frozenset[str] = frozenset()
    leading: frozenset[str] = frozenset()
    """Question words of the languages whose questions open with them (English "who",
    "why"; not Kazakh "кім", which comes last): where a question begins."""

    @property
    def personal(self) -> frozenset[str]:
        """Pronouns that stand for a person ("she", "they")."""
        return self.female | self.male | self.plural

    @classmethod
    def from_catalogs(cls, catalogs: Iterable[Catalog]) -> LanguageWords:
        """Merge the words of ``catalogs``."""
        stopwords: set[str] = set()
        fillers: set[str] = set()
        lists: dict[str, set[str]] = {"yes_no_openers": set(), "yes_no_particles": set(),
                                      "open_questions": set(), "wh_words": set()}
        leading: set[str] = set()
        months: dict[str, int] = {}
        pronouns: dict[str, set[str]] = {kind: set() for kind in
                                         ("female", "male", "plural", "thing", "refer",
                                          "other")}
        catalogs = list(catalogs)
        forms = _forms(catalogs)
        for catalog in catalogs:
            for word in catalog.function_words:
                stopwords.update(forms(word))
            for word in catalog.fillers:
                fillers.update(forms(word))
            for name, found in lists.items():
                for word in getattr(catalog, name):
                    found.update(forms(word))
            if catalog.question_first:
                for word in (*catalog.wh_words, *catalog.open_questions):
                    leading.update(forms(word))
            for number, names in enumerate(catalog.months, start=1):
                for name in names:
                    for key in {normalize(name), *forms(name)}:
                        if key and " " not in key:
                            months.setdefault(key, number)
            for kind, words in catalog.pronouns.items():
                for word in words:
                    pronouns.setdefault(kind, set()).update(forms(word))
        stemmers = {c.language: SuffixStemmer(c.suffixes) for c in catalogs if c.suffixes}
        letters = {c.language: c.letters for c in catalogs if c.letters}
        personal = pronouns["female"] | pronouns["male"] | pronouns["plural"]
        every = personal | pronouns["thing"] | pronouns["refer"] | pronouns["other"]
        return cls(frozenset(stopwords), frozenset(fillers), months,
                   frozenset(pronouns["female"]), frozenset(pronouns["male"]),
                   frozenset(pronouns["plural"]), frozenset(pronouns["thing"] - personal),
                   frozenset(every), frozenset(pronouns["other"]), stemmers, letters,
                   **{name: frozenset(found) for name, found in lists.items()},
                   leading=frozenset(w for w in leading if " " not in w))

    def native(self, text: str, language: str | None = None) -> str:
        """``text`` with its words stemmed by their endings when it is in a language that is
        (``language``, else the one whose own letters it holds); else as it is."""
        stemmer = self._stemmer(text, language)
        return stemmer.text(text) if stemmer is not None else text

    def normalized(self, text: str, language: str | None = None) -> str:
        """``text`` normalised as its language is: stemmed by its own endings (and not by
        Snowball's Russian stemmer) in a language that has them (``language``, else the one
        whose own letters it holds), else by :func:`~meetbot.lang.normalize.normalize`."""
        stemmer = self._stemmer(text, language)
        if stemmer is None:
            return normalize(text)
        return normalize(stemmer.text(text), snowball=False)

    def _stemmer(self, text: str, language: str | None) -> SuffixStemmer | None:
        if language is None:
            lowered = text.lower()
            language = next((lang for lang, own in self.letters.items()
                             if any(letter in lowered for letter in own)), None)
        return self.stemmers.get(language) if language else None

    def is_filler(self, word: str) -> bool:
        """True when ``word`` is a filler, also typed with its last letter doubled ("heyy")."""
        return word in self.fillers or (len(word) > 2 and word[-1] == word[-2]
                                        and word[:-1] in self.fillers)

    def is_yes_no(self, words: list[str]) -> bool:
        """True when normalised ``words`` ask a yes/no question."""
        asks = self.wh_words | self.open_questions
        return bool(words) and asks.isdisjoint(words) and (
            words[0] in self.yes_no_openers or not self.yes_no_particles.isdisjoint(words))

    def is_wh_question(self, words: list[str]) -> bool:
        """True when normalised ``words`` ask who, what, when, where, why or how, and not
        yes or no ("where did they meet", not "did they meet, and is it true that ...")."""
        asks = self.wh_words | self.open_questions
        return bool(words) and not asks.isdisjoint(words) and not (
            words[0] in self.yes_no_openers or not self.yes_no_particles.isdisjoint(words))

    def question_start(self, words: list[str]) -> int:
        """Where the question proper begins in normalised ``words``: at the first question
        word of a language that opens with it, keeping the function words just before it
        ("in which year"); 0 when there is none."""
        start = next((i for i, w in enumerate(words) if w in self.leading), 0)
        while start > 0 and words[start - 1] in self.stopwords \
                and words[start - 1] not in self.fillers:
            start -= 1
        return start

    def is_month(self, word: str, before_year: bool) -> bool:
        """True when ``word`` names a month here; a month name that is also a function word
        ("may") counts only before a year."""
        return word in self.months and (before_year or word not in self.stopwords)


def _forms(catalogs: Iterable[Catalog]) -> Callable[[str], set[str]]:
    """How a catalogue's word is found in a question: normalised, and also stemmed by the
    endings of each language that has them, as a question in that language is ("короче",
    a Russian filler, in a Kazakh question)."""
    stemmers = [SuffixStemmer(c.suffixes) for c in catalogs if c.suffixes]

    def forms(word: str) -> set[str]:
        found = set(normalize(word).split())
        for stemmer in stemmers:
            found.update(normalize(stemmer.text(word), snowball=False).split())
        return found

    return forms


def catalogue_words(catalogs: Mapping[str, Catalog]) -> LanguageWords:
    """The :class:`LanguageWords` of a knowledge base's catalogues."""
    return LanguageWords.from_catalogs(catalogs.values())
