"""``meetbot check`` messages say how to fix the mistake, once, at its line.

Each test breaks the small test knowledge base the way a curator would, and reads the one
message that comes back: YAML syntax errors in plain words, "did you mean" for a misspelt key
or id, the closest source text beside a quote that is not in the source, and no second
error caused by the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kbfactory import append, edit_line
from meetbot.errors import KnowledgeError, Problem
from meetbot.store import load


def only_problem(directory: Path) -> Problem:
    with pytest.raises(KnowledgeError) as caught:
        load(directory)
    problems = caught.value.problems
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def test_a_tab_used_for_indentation_is_called_a_tab(small_kb: Path) -> None:
    line = edit_line(small_kb / "people.yaml", "    gender: female", "\tgender: female")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert problem.message == ("YAML error: a tab character is used for indentation; YAML "
                               "needs spaces (replace the tab with spaces)")


def test_an_unclosed_quote_is_reported_where_it_opens(small_kb: Path) -> None:
    line = edit_line(small_kb / "people.yaml", 'name: "Ingrid Valtonen"',
                     'name: "Ingrid Valtonen')
    problem = only_problem(small_kb)
    assert problem.line == line
    assert "quoted text opened on this line is never closed" in problem.message


def test_a_colon_inside_a_value_says_to_quote_it(small_kb: Path) -> None:
    line = edit_line(small_kb / "people.yaml", "gender: female", "gender: female: oops")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert "put it in quotes" in problem.message
    assert "mapping values" not in problem.message


def test_a_misspelt_key_gets_did_you_mean_and_no_missing_key_error(small_kb: Path) -> None:
    line = edit_line(small_kb / "meetings.yaml", "participants: [valtonen, okonkwo]",
                     "particpants: [valtonen, okonkwo]")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert problem.message == "unknown key 'particpants' (did you mean 'participants'?)"


def test_a_misspelt_nested_key_gets_did_you_mean(small_kb: Path) -> None:
    line = edit_line(small_kb / "meetings.yaml", "speaker: okonkwo", "speakr: okonkwo")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert "did you mean 'speaker'?" in problem.message


def test_a_misspelt_id_gets_did_you_mean(small_kb: Path) -> None:
    line = edit_line(small_kb / "people.yaml", "role: nwc-director-general",
                     "role: nwc-director-genral")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert problem.message == ("unknown roles id 'nwc-director-genral' (did you mean "
                               "'nwc-director-general'?)")


def test_one_bad_participant_id_is_one_error(small_kb: Path) -> None:
    # okonkwo speaks in this meeting: the misspelt participant must not also make
    # "speaker 'okonkwo' is not a participant" a second error
    line = edit_line(small_kb / "meetings.yaml", "participants: [valtonen, okonkwo]",
                     "participants: [valtonen, okonkwoo]")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert problem.message == "unknown people id 'okonkwoo' (did you mean 'okonkwo'?)"


def test_the_same_misspelt_id_as_participant_and_speaker_is_one_error(small_kb: Path) -> None:
    line = edit_line(small_kb / "meetings.yaml", "participants: [valtonen, okonkwo]",
                     "participants: [valtonen, okonkwoo]")
    edit_line(small_kb / "meetings.yaml", "speaker: okonkwo", "speaker: okonkwoo")
    problem = only_problem(small_kb)
    assert problem.line == line


def test_a_retyped_quote_is_shown_beside_the_source_text(small_kb: Path) -> None:
    line = edit_line(small_kb / "meetings.yaml", "must share every flood forecast without delay",
                     "must share each flood forecast without delay")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert "quote not found in source 'test-note'" in problem.message
    assert "the source has 'Our countries must share every flood forecast without delay" in (
        problem.message)
    assert "'each' where the source has 'every'" in problem.message


def test_a_quote_with_nothing_like_it_in_the_source_says_so(small_kb: Path) -> None:
    line = edit_line(small_kb / "meetings.yaml", "must share every flood forecast without delay",
                     "Quarterly budget tables were never published anywhere")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert "nothing like it is in the source" in problem.message


def test_a_misspelt_section_gets_did_you_mean(small_kb: Path) -> None:
    line = append(small_kb / "faq.yaml", "peple: []\n")
    problem = only_problem(small_kb)
    assert problem.line == line
    assert problem.message.startswith("unknown key 'peple' (sections are: ")
    assert problem.message.endswith("; did you mean 'people'?)")
