"""What the forms of a word tell, for languages whose words change with their role in a sentence.

Russian names and titles are declined: "встретилась с Верховным комиссаром ... Анной
Бергстрём" names Анна Бергстрём, Верховный комиссар. :class:`RussianMorphology` reads them with
pymorphy3 (OpenCorpora's dictionary, shipped in the ``pymorphy3-dicts-ru`` package: nothing is
fetched at run time): whether a capitalised word is a given name, a surname or a patronymic,
a person's gender (from the name, or from a past-tense verb: "подчеркнула"), whether a word
is a verb or a gerund ("Приветствуя гостя, ..." starts no name), and the nominative case of a
name or a title, as a curator writes them. :class:`Morphology` is the same for languages that
need none of it (English): it knows nothing and changes nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

NAME_PARTS = {"Name": "given", "Surn": "surname", "Patr": "patronymic"}
_VERBAL = frozenset({"VERB", "INFN", "GRND", "PRTS"})
_LINKING = frozenset({"PREP", "CONJ", "PRCL"})


class Morphology:
    """A language without declension: words are what they are."""

    language = "en"

    def name_part(self, word: str) -> str | None:
        """"given", "surname" or "patronymic" when the dictionary says ``word`` is one."""
        return None

    def is_verbal(self, word: str) -> bool:
        """Whether ``word`` is a verb, a gerund or a short participle (no name, no title)."""
        return False

    def is_linking(self, word: str) -> bool:
        """Whether ``word`` is a preposition, conjunction or particle."""
        return False

    def is_preposition(self, word: str) -> bool:
        """Whether ``word`` is a preposition (languages without a dictionary list theirs)."""
        return False

    def is_gerund(self, word: str) -> bool:
        """Whether ``word`` is a gerund or participle ("Greeting", "highlighting"): English
        ones end in -ing."""
        return len(word) > 4 and word.lower().endswith("ing")

    def gender(self, word: str) -> str | None:
        """"female" or "male" when the form of ``word`` tells (a name, a past-tense verb)."""
        return None

    def nominative_name(self, words: list[str]) -> str:
        """The name written with ``words``, in the nominative case."""
        return " ".join(words)

    def nominative_title(self, words: list[str]) -> str:
        """The title written with ``words``, its head (and the words before it) in the
        nominative case."""
        return " ".join(words)


class RussianMorphology(Morphology):
    """Russian, read with pymorphy3."""

    language = "ru"

    def __init__(self) -> None:
        self.analyzer = _analyzer()

    def _parses(self, word: str) -> list[Any]:
        return list(self.analyzer.parse(word))

    def name_part(self, word: str) -> str | None:
        """The name part the likeliest reading of ``word`` gives, if any."""
        for parse in self._parses(word)[:2]:
            for grammeme, part in NAME_PARTS.items():
                if grammeme in parse.tag:
                    return part
        return None

    def is_verbal(self, word: str) -> bool:
        """Whether the likeliest reading of ``word`` is verbal."""
        parses = self._parses(word)
        return bool(parses) and parses[0].tag.POS in _VERBAL

    def is_linking(self, word: str) -> bool:
        """Whether the likeliest reading of ``word`` is a preposition, conjunction or
        particle."""
        parses = self._parses(word)
        return bool(parses) and parses[0].tag.POS in _LINKING

    def is_preposition(self, word: str) -> bool:
        """Whether the likeliest reading of ``word`` is a preposition."""
        parses = self._parses(word)
        return bool(parses) and parses[0].tag.POS == "PREP"

    def is_gerund(self, word: str) -> bool:
        """Whether the likeliest reading of ``word`` is a gerund ("приветствуя")."""
        parses = self._parses(word)
        return bool(parses) and parses[0].tag.POS == "GRND"

    def gender(self, word: str) -> str | None:
        """The gender of a given name, or of a past-tense verb's subject."""
        for parse in self._parses(word)[:1]:
            if ("Name" in parse.tag or "Surn" in parse.tag or parse.tag.POS == "VERB") and (
                    "sing" in parse.tag or parse.tag.POS == "VERB"):
                if "femn" in parse.tag:
                    return "female"
                if "masc" in parse.tag:
                    return "male"
        return None

    def nominative_name(self, words: list[str]) -> str:
        """"Анной Бергстрём" -> "Анна Бергстрём", "Омара Хаддада" -> "Омар Хаддад".

        The given name fixes the case and gender; every other part is put in the nominative
        only when it has a reading of that case and gender (a foreign or female surname that
        is not declined stays as written).
        """
        case, gender = None, None
        for word in words:
            parse = next((p for p in self._parses(word) if "Name" in p.tag), None)
            if parse is not None:
                case, gender = parse.tag.case, parse.tag.gender
                break
        if case is None or case == "nomn":
            return " ".join(words)
        out = []
        for word in words:
            parse = next((p for p in self._parses(word)
                          if p.tag.case == case and p.tag.gender in (gender, None)
                          and p.tag.number != "plur" and p.tag.POS in ("NOUN", "ADJF")), None)
            form = parse.inflect({"nomn"}) if parse is not None else None
            out.append(_capitalised(form.word, word) if form is not None else word)
        return " ".join(out)

    def nominative_title(self, words: list[str]) -> str:
        """"Верховным комиссаром ОБСЕ по делам ..." -> "Верховный комиссар ОБСЕ по делам ..."."""
        out = list(words)
        for index, word in enumerate(words):
            parses = self._parses(word)
            if not parses:
                break
            parse = parses[0]
            if parse.tag.POS not in ("ADJF", "NOUN") or parse.tag.case in (None, "nomn"):
                break
            form = parse.inflect({"nomn"})
            if form is not None:
                out[index] = _capitalised(form.word, word)
            if parse.tag.POS == "NOUN":
                break
        return " ".join(out)


def _capitalised(form: str, like: str) -> str:
    """``form`` written in the capitalisation of ``like``."""
    if like.isupper() and len(like) > 1:
        return form.upper()
    if like[:1].isupper():
        return "-".join(part[:1].upper() + part[1:] for part in form.split("-"))
    return form


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def morphology(language: str) -> Morphology:
    """The morphology of ``language`` (none for English and the languages it knows nothing of)."""
    return RussianMorphology() if language == "ru" else Morphology()
