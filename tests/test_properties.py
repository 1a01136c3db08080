"""Property tests: any text at all gets an Answer, valid Telegram HTML and contract JSON."""

from __future__ import annotations

import json
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetbot.answers.engine import Engine
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.render import TELEGRAM_LIMIT, split_message, to_json, to_plain, to_telegram_html
from meetbot.store import load

ROOT = Path(__file__).resolve().parents[1]
ENGINE = Engine(load(ROOT / "knowledge"))
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "blockquote", "tg-spoiler", "span"}
ALLOWED_ENTITIES = {"lt", "gt", "amp", "quot"}
CONTRACT = {"question": str, "answered": bool, "answer": str, "intent": (str, type(None)),
            "confidence": (int, float), "citations": list, "suggestions": list}

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=2000),
    st.text(alphabet="<>&\"'/ abcb=script\u200b\u200f\u202e\u2066\ufeff\x00\x1b🙂Шмид",
            max_size=500),
    st.builds(lambda a, b: a + b, st.sampled_from(
        ["who is ", "когда Токаев встретился с ", "did tokayev meet ", "<b>who said</b> "]),
        st.text(max_size=200)),
)


class TelegramHTMLChecker(HTMLParser):
    """Checks HTML the way Telegram's parser would: known tags only, balanced, no stray &."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}>")
        if tag == "a" and [k for k, _ in attrs] != ["href"]:
            self.errors.append(f"a attrs {attrs}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_entityref(self, name: str) -> None:
        if name not in ALLOWED_ENTITIES:
            self.errors.append(f"entity &{name};")

    def handle_charref(self, name: str) -> None:
        self.errors.append(f"charref &#{name};")

    def handle_decl(self, decl: str) -> None:
        self.errors.append(f"declaration {decl}")

    def handle_comment(self, data: str) -> None:
        self.errors.append("comment")


def assert_valid_telegram_html(html_text: str) -> None:
    checker = TelegramHTMLChecker()
    checker.feed(html_text)
    checker.close()
    assert not checker.errors, (checker.errors, html_text[:500])
    assert not checker.stack, ("unclosed", checker.stack)
    # A bare "&" that is not an entity would be rejected by Telegram.
    for index, char in enumerate(html_text):
        if char == "&":
            tail = html_text[index:index + 6]
            assert any(tail.startswith(f"&{e};") for e in ALLOWED_ENTITIES), tail


def assert_contract(answer: Answer) -> None:
    data = json.loads(to_json(answer))
    assert set(data) == set(CONTRACT)
    for key, kind in CONTRACT.items():
        assert isinstance(data[key], kind), key
    assert 0.0 <= data["confidence"] <= 1.0
    for citation in data["citations"]:
        assert set(citation) == {"source", "title", "publisher", "url", "date", "quote"}
    assert all(isinstance(s, str) for s in data["suggestions"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_any_text_gets_an_answer_with_valid_html_and_json(text: str) -> None:
    started = time.perf_counter()
    answer = ENGINE.ask(text)
    assert time.perf_counter() - started < 2.0
    assert answer.text
    assert_contract(answer)
    for quotes in (False, True):
        rendered = to_telegram_html(answer, quotes=quotes)
        assert_valid_telegram_html(rendered)
        for chunk in split_message(rendered):
            assert len(chunk) <= TELEGRAM_LIMIT
            assert_valid_telegram_html(chunk)
    assert to_plain(answer)


@settings(max_examples=60, deadline=None)
@given(st.lists(hostile_text, min_size=2, max_size=5))
def test_conversations_of_junk_never_break_the_context(turns: list[str]) -> None:
    context = Context()
    for text in turns:
        answer = ENGINE.ask(text, context)
        assert_contract(answer)
        context = answer.context


LINE_BREAKERS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character ``str.splitlines`` splits on."""


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
       st.text(alphabet=LINE_BREAKERS + "\x00\x7f\x9f ab", max_size=50))
def test_json_is_one_line_whatever_the_text_holds(question: str, text: str) -> None:
    """However the question or a curated text is written, the object stays on one line
    and reads back unchanged."""
    answer = Answer(question, True, text or "x", None, 0.5)
    rendered = to_json(answer)
    assert len(rendered.splitlines()) == 1
    assert not any(ch in rendered for ch in LINE_BREAKERS + "\x7f\x80\x9f")
    assert json.loads(rendered) == answer.as_dict()


def test_the_echoed_question_is_the_cleaned_one() -> None:
    answer = ENGINE.ask("\ufeffwho\u200b heads \u202eodihr\x85?\r")
    assert answer.question == "who heads odihr?"


@pytest.mark.parametrize("size", [1_000, 10_000, 100_000])
def test_huge_input_is_refused_politely_and_fast(size: int) -> None:
    text = ("when did tokayev meet schmid " * (size // 28 + 1))[:size]
    started = time.perf_counter()
    answer = ENGINE.ask(text)
    assert time.perf_counter() - started < 0.5
    assert answer.kind == "invalid" and not answer.answered
    assert str(size) in answer.text.replace(",", "") or "long" in answer.text


def test_user_text_that_looks_like_html_is_escaped() -> None:
    answer = ENGINE.ask('who said "<b>x</b> & <script>alert(1)</script>"?')
    rendered = to_telegram_html(answer, quotes=True)
    assert "<script>" not in rendered and "<b>x</b>" not in rendered
    assert_valid_telegram_html(rendered)


paragraphs = st.lists(st.tuples(st.booleans(), st.text(alphabet="ab <>&é", max_size=900),
                                st.sampled_from(["\n", "\n\n", " "])), max_size=60)


@settings(max_examples=200, deadline=None)
@given(paragraphs)
def test_splitting_keeps_every_chunk_within_the_limit_and_balanced(
        parts: list[tuple[bool, str, str]]) -> None:
    import html

    rendered = "".join((f"<b>{html.escape(t, quote=False)}</b>" if bold
                        else html.escape(t, quote=False)) + sep for bold, t, sep in parts)
    if not rendered.strip():
        return
    chunks = split_message(rendered)
    assert all(0 < len(c) <= TELEGRAM_LIMIT for c in chunks)
    for chunk in chunks:
        assert_valid_telegram_html(chunk)
