"""Citation parsing and checking: real passages, exact quotes, nothing invented."""

from __future__ import annotations

from triage.chat import check_reply, locate_quote, parse_reply, quote_occurs

PASSAGES = {
    1: "The Local Governing Body has a named careers link governor, currently Mrs Sandra Okoye, who meets\n"
       "the Careers Leader every half term.",
    2: "Ms Desai\u2019s role \u2013 Careers Leader \u2013 reports to the Vice Principal.",
}


def test_quotes_match_across_whitespace_case_curly_quotes_and_dashes():
    assert quote_occurs("named careers link governor, currently mrs sandra okoye, who meets the careers", PASSAGES[1])
    assert quote_occurs("Ms Desai's role - Careers Leader - reports", PASSAGES[2])
    assert quote_occurs("link governor ... every half term.", PASSAGES[1])  # elision, in order
    assert not quote_occurs("every half term ... link governor", PASSAGES[1])
    assert not quote_occurs("currently Mr Peter Okoye", PASSAGES[1])
    start, end = locate_quote("Sandra  Okoye", PASSAGES[1]) or (0, 0)
    assert PASSAGES[1][start:end] == "Sandra Okoye"


def test_parse_markers_and_attached_quotes():
    reply = ('The link governor is "Mrs Sandra Okoye" [1], who meets the Careers Leader [1][2]. '
             '[2]: "reports to the Vice Principal" and see [1, 2].')
    parsed = parse_reply(reply)
    assert parsed.numbers == (1, 2)
    assert [(q.number, q.quote) for q in parsed.quotes] == [
        (1, "Mrs Sandra Okoye"), (2, "reports to the Vice Principal")]


def test_good_reply_passes():
    check = check_reply('The careers link governor is "Mrs Sandra Okoye" [1].', PASSAGES)
    assert check.ok and check.numbers == (1,) and check.quotes == {1: ("Mrs Sandra Okoye",)}


def test_invented_citation_number_fails():
    check = check_reply('The governor is "Mrs Sandra Okoye" [1], confirmed in the minutes [7].', PASSAGES)
    assert not check.ok
    assert any("[7]" in p and "not given" in p for p in check.problems)


def test_quote_not_in_its_passage_fails_even_if_in_another():
    check = check_reply('"reports to the Vice Principal" [1].', PASSAGES)
    assert not check.ok and "not in passage [1]" in check.problems[0]


def test_free_quote_must_occur_somewhere():
    good = check_reply('It says "every half term" [1]. The question asked about the "link governor".', PASSAGES)
    assert good.ok  # a free quote found in a passage is fine
    bad = check_reply('The governor is Mrs Okoye [1]. Staff call her "the careers champion".', PASSAGES)
    assert not bad.ok and "none of the passages" in bad.problems[0]


def test_reply_with_no_citation_fails():
    check = check_reply("The pack does not say who the link governor is.", PASSAGES)
    assert not check.ok and check.problems == ("it cites no passage",)


def test_marker_variants_small_models_write():
    parsed = parse_reply("See [Passage 2], [1-3] and [4 and 5]; not [NAME-1] or [2025].")
    assert parsed.numbers == (2, 1, 3, 4, 5)  # a bracketed year is not a citation
    assert not check_reply("As [passage 1] says.", PASSAGES).problems
