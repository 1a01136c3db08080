"""Write small, complete knowledge bases for tests, and break them in controlled ways.

:func:`write_small_kb` writes a valid knowledge base about one fictional meeting (clearly
marked test data, not real news) into a directory: one source text, ``sources.yaml``,
``people.yaml``, ``roles.yaml``, ``organizations.yaml``, ``events.yaml``, ``meetings.yaml``
(with topics and statements), ``faq.yaml`` (one entry) and a copy of the project's real
``intents.yaml``. Every quote in it occurs verbatim in the source text.

The helpers below edit one file and return the 1-based line they touched, so a test can
compare a reported ``Problem.line`` with the line it broke.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_KNOWLEDGE = PROJECT_ROOT / "knowledge"

SOURCE_ID = "test-note"
SOURCE_FILE = "sources/test-note.txt"
SOURCE_URL = "https://example.org/meetbot-test-note"
MEETING_ID = "valtonen-okonkwo-2024"
MEETING_DATE_TEXT = "12 March 2024"

SOURCE_TEXT = """\
TEST DATA: a fictional note written for the meetbot test suite. Not real news.

Valdoria, 12 March 2024

Foreign Minister Ingrid Valtonen met Director General Tomasz Okonkwo of the
Northern Water Council (NWC) during the Lakeside Dialogue.

The two sides discussed the shared management of the Nordra river basin and
the early warning of floods.

"Our countries must share every flood forecast without delay," Minister
Valtonen said.

Director General Okonkwo said the Council was ready to fund new monitoring
stations along the river.
"""

FILES: dict[str, str] = {
    "sources.yaml": f"""\
sources:
  - id: {SOURCE_ID}
    title: "Test note: Foreign Minister Valtonen meets NWC Director General Okonkwo"
    publisher: "meetbot test suite"
    url: "{SOURCE_URL}"
    published: "2024-03-12"
    language: en
    file: {SOURCE_FILE}
""",
    "people.yaml": f"""\
people:
  - id: valtonen
    name: "Ingrid Valtonen"
    gender: female
    aliases:
      - "Valtonen"
      - "Ingrid Valtonen"
      - "Minister Valtonen"
    roles:
      - role: valdoria-foreign-minister
        as_of: "2024-03-12"
        cite:
          source: {SOURCE_ID}
          quote: "Foreign Minister Ingrid Valtonen"

  - id: okonkwo
    name: "Tomasz Okonkwo"
    gender: male
    aliases:
      - "Okonkwo"
      - "Tomasz Okonkwo"
      - "Director General Okonkwo"
    roles:
      - role: nwc-director-general
        as_of: "2024-03-12"
        cite:
          source: {SOURCE_ID}
          quote: "Director General Tomasz Okonkwo of the Northern Water Council (NWC)"
""",
    "roles.yaml": """\
roles:
  - id: valdoria-foreign-minister
    name: "Foreign Minister of Valdoria"
    organization: valdoria
    aliases:
      - "Valdorian foreign minister"

  - id: nwc-director-general
    name: "Director General of the Northern Water Council"
    organization: nwc
    head: true
    aliases:
      - "NWC Director General"
""",
    "organizations.yaml": f"""\
organizations:
  - id: valdoria
    name: "Valdoria"
    kind: country
    cite:
      source: {SOURCE_ID}
      quote: "Valdoria, 12 March 2024"

  - id: nwc
    name: "Northern Water Council"
    kind: "international organization"
    acronyms: ["NWC"]
    description: "A council that manages shared rivers."
    cite:
      source: {SOURCE_ID}
      quote: "Northern Water Council (NWC)"
""",
    "events.yaml": f"""\
events:
  - id: lakeside-dialogue
    name: "Lakeside Dialogue"
    facts:
      - text: "Valtonen met Okonkwo during the Lakeside Dialogue."
        cite:
          source: {SOURCE_ID}
          quote: "Northern Water Council (NWC) during the Lakeside Dialogue."
""",
    "meetings.yaml": f"""\
meetings:
  - id: {MEETING_ID}
    title: "Foreign Minister Valtonen meets NWC Director General Okonkwo"
    date: "2024-03-12"
    date_kind: report
    date_cite:
      source: {SOURCE_ID}
      quote: "{MEETING_DATE_TEXT}"
    event: lakeside-dialogue
    participants: [valtonen, okonkwo]
    summary:
      text: "Foreign Minister Ingrid Valtonen met NWC Director General Tomasz Okonkwo."
      cite:
        source: {SOURCE_ID}
        quote: "Foreign Minister Ingrid Valtonen met Director General Tomasz Okonkwo"
    topics:
      - text: "the shared management of the Nordra river basin"
        keywords: [river, basin, water management]
        cite:
          source: {SOURCE_ID}
          quote: "discussed the shared management of the Nordra river basin"
      - text: "the early warning of floods"
        keywords: [floods, early warning]
        cite:
          source: {SOURCE_ID}
          quote: "the early warning of floods"
    statements:
      - speaker: valtonen
        kind: direct
        keywords: [flood forecast, sharing data]
        cite:
          source: {SOURCE_ID}
          quote: "Our countries must share every flood forecast without delay"
      - speaker: okonkwo
        kind: reported
        keywords: [monitoring stations, funding]
        cite:
          source: {SOURCE_ID}
          quote: "Director General Okonkwo said the Council was ready to fund new monitoring stations along the river."
""",  # noqa: E501
    "faq.yaml": f"""\
faq:
  - id: monitoring-stations
    questions:
      - "who will fund the new monitoring stations"
      - "who pays for the monitoring stations on the river"
      - "will the council fund monitoring stations"
    answer: "Director General Okonkwo said the Council was ready to fund new monitoring stations."
    cites:
      - source: {SOURCE_ID}
        quote: "the Council was ready to fund new monitoring stations along the river."
""",
}


def write_small_kb(directory: Path) -> Path:
    """Write the small knowledge base into ``directory`` (created if needed); return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sources").mkdir(exist_ok=True)
    (directory / SOURCE_FILE).write_text(SOURCE_TEXT, encoding="utf-8")
    for name, text in FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    shutil.copyfile(REAL_KNOWLEDGE / "intents.yaml", directory / "intents.yaml")
    return directory


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based number of the ``occurrence``-th line of ``path`` holding ``needle``."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} (occurrence {occurrence}) not in {path}")


def replace_line(path: Path, needle: str, new_line: str, occurrence: int = 1) -> int:
    """Replace the whole line holding ``needle`` by ``new_line``; return its 1-based number."""
    number = line_of(path, needle, occurrence)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number - 1] = new_line.rstrip("\n") + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return number


def edit_line(path: Path, old: str, new: str, occurrence: int = 1) -> int:
    """Replace ``old`` by ``new`` on the line holding ``old``; return its 1-based number."""
    number = line_of(path, old, occurrence)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return number


def replace_text(path: Path, old: str, new: str) -> int:
    """Replace the first occurrence of ``old`` by ``new``; return the line it starts on."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.count("\n", 0, at) + 1


def append(path: Path, text: str) -> int:
    """Append ``text`` to ``path``; return the 1-based line its first line lands on."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current and not current.endswith("\n"):
        current += "\n"
    path.write_text(current + text, encoding="utf-8")
    return current.count("\n") + 1


def add_alias(path: Path, after_alias: str, alias: str) -> None:
    """Add ``alias`` to the alias list that holds ``after_alias`` (e.g. in people.yaml)."""
    number = line_of(path, f'- "{after_alias}"')
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    old = lines[number - 1]
    indent = old[: len(old) - len(old.lstrip(" "))]
    lines.insert(number, f'{indent}- "{alias}"\n')
    path.write_text("".join(lines), encoding="utf-8")
