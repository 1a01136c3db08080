"""Redact private data from a user's question before it is kept (the misses log).

:func:`redact` replaces, in this order:

- keys and tokens of a known shape, as ``[secret]``: Telegram bot tokens
  (``123456789:AA…``, 30+ characters after the colon), JSON Web Tokens (``eyJ….eyJ….…``),
  OpenAI (``sk-…``), GitHub (``ghp_…``, ``github_pat_…``), GitLab (``glpat-…``), Slack
  (``xox?-…``), Google (``AIza…``) and AWS (``AKIA…``) keys;
- the word after "password", "passwd", "pwd", "passcode", "passphrase", "pin", "пароль" (any
  ending), also when up to four words and then "is" or ``:`` come between ("my password for
  the portal is hunter2"), and after "api key", "access token", "auth token", "secret",
  "token" when ``:``, ``=`` or "is" follows them ("my password is hunter2" -> "my password is
  [secret]"; "the password to the archive" keeps its words: a few linking words are never
  taken for a secret);
- e-mail addresses, as ``[email]``;
- other secret-like runs, as ``[secret]``: 20+ hexadecimal digits, or 20+ characters of the
  base64/URL-safe alphabet mixing capitals, small letters and digits as random text does, or
  32+ letters and digits mixed (see :func:`_secret_like`: words, dates, hyphenated names and
  a URL's words-and-hyphens slug are none of these);
- phone numbers, as ``[phone]``: international (``+44 20 7946 0958``) and, read as numbers of
  Kazakhstan (the bot's audience), local formats (``8 (701) 123-45-67``, ``87011234567``,
  ``272 00 00``), found by Google's libphonenumber rules (``phonenumbers``, the "lite" build
  without geocoding and carrier data) at the ``POSSIBLE`` leniency, which leaves years, dates,
  times and counts alone.

Phone numbers are the one pattern hard to write well as a regular expression (formats differ
by country, and dates and figures look alike), hence the library; the others are short, fixed
shapes for which a regular expression is exact and a library such as ``scrubadub`` (which
pulls in machine-learning dependencies) would be heavy. Placeholders are words in brackets, so
questions that differ only in what was redacted read, and group, as one.
"""

from __future__ import annotations

import re
from itertools import pairwise

from phonenumbers import Leniency, PhoneNumberMatcher

PHONE_REGION = "KZ"
"""Numbers written without a country code are read as numbers of this country."""
_MIN_PHONE_DIGITS = 5
"""Text with fewer digits than this is not searched for phone numbers (the fast path)."""

_KNOWN_TOKENS = re.compile(r"""
    (?<![\w-])(?:
        \d{5,}:[A-Za-z0-9_-]{30,}                              # Telegram bot token
      | eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+   # JSON Web Token
      | sk-[A-Za-z0-9_-]{20,}                                  # OpenAI
      | (?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}            # GitHub
      | glpat-[A-Za-z0-9_-]{20,}                               # GitLab
      | xox[abeoprs]-[A-Za-z0-9-]{10,}                         # Slack
      | AIza[A-Za-z0-9_-]{30,}                                 # Google
      | (?:AKIA|ASIA)[A-Z0-9]{16}                              # AWS access key id
    )(?![\w-])""", re.VERBOSE)

_SHORTEST_TOKEN = 11
"""No key or token pattern matches fewer characters than this (``eyJa.eyJb.c``)."""
_KEYWORDS = ("pass", "pwd", "pin", "парол", "key", "token", "secret")
"""One of these occurs (casefolded) in every text :data:`_AFTER_KEYWORD` matches."""
_NOT_A_SECRET = ("for|of|to|the|a|an|my|your|our|his|her|their|its|this|that|and|or|in|on|at"
                 "|from|with|reset|change|changed|forgot|forgotten|please|did|does|is|was|it"
                 "|для|от|к|и|или|мой|мне|не|на")
_AFTER_KEYWORD = re.compile(rf"""
    (?P<key>
        \b(?:password|passwd|pwd|passcode|passphrase|pin(?:[ -]?code)?)\b
        (?:\s*[:=]\s*|\s+(?:is|was)\s+|(?:\s+[^\s:=]+){{1,4}}?(?:\s*[:=]\s*|\s+(?:is|was)\s+)
           |\s+)
      | (?<!\w)парол\w*(?:\s*[:=—-]\s*|\s+)
      | \b(?:api[ _-]?key|access[ _-]?token|auth[ _-]?token|secret(?:[ _-]?key)?|token)
        (?:\s*[:=]\s*|\s+(?:is|was)\s+)
    )
    (?!(?:{_NOT_A_SECRET})(?:[\s,;.?!]|$))
    (?P<value>[^\s,;&]+)""", re.VERBOSE | re.IGNORECASE)

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")

_TOKEN_RUN = re.compile(r"(?<![\w+/-])[A-Za-z0-9+/_-]{20,}={0,2}(?![\w+/=-])")
_HEX = re.compile(r"[0-9a-fA-F]+")


def _secret_like(run: str) -> bool:
    """Whether a run of 20+ base64/URL-safe characters looks like a key rather than words.

    Hex keys and digests have 20+ hexadecimal digits with a digit among them; random base64
    mixes capitals, small letters and digits, switching between them at least once every
    three characters ("OSCE-Kazakhstan-2025-Summit" switches 8 times in 27); a run of 32+
    letters and digits mixed, with no separator, is no word either.
    """
    body = run.rstrip("=")
    if _HEX.fullmatch(body):
        return any(ch.isdigit() for ch in body)
    if body.isalnum() and len(body) >= 32 and not body.isalpha() and not body.isdigit():
        return True
    classes = ["u" if ch.isupper() else "l" if ch.islower() else "d" if ch.isdigit() else "o"
               for ch in body]
    if not {"u", "l", "d"} <= set(classes):
        return False
    switches = sum(1 for a, b in pairwise(classes) if a != b)
    return switches * 3 >= len(body)


def redact(text: str) -> str:
    """Return ``text`` with secrets, e-mail addresses and phone numbers as placeholders.

    Each pattern is looked for only when a cheap test says it could be there (an ``@``, a
    keyword, a long enough word, enough digits), so a plain question costs a few microseconds.
    """
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    if max(map(len, text.split()), default=0) >= _SHORTEST_TOKEN:
        text = _KNOWN_TOKENS.sub("[secret]", text)
        text = _TOKEN_RUN.sub(lambda m: "[secret]" if _secret_like(m.group(0)) else m.group(0),
                              text)
    folded = text.casefold()
    if any(keyword in folded for keyword in _KEYWORDS):
        text = _AFTER_KEYWORD.sub(lambda m: m.group("key") + "[secret]", text)
    if sum(map(str.isdigit, text)) >= _MIN_PHONE_DIGITS:
        text = _redact_phones(text)
    return text


def _redact_phones(text: str) -> str:
    spans = [(match.start, match.end) for match in
             PhoneNumberMatcher(text, PHONE_REGION, leniency=Leniency.POSSIBLE)]
    for start, end in reversed(spans):
        text = text[:start] + "[phone]" + text[end:]
    return text
