"""Redaction before text goes to a remote model: what is caught, and that it is reversible locally."""

from __future__ import annotations

import pytest

from triage.llm.redact import Redactor, StreamRestorer, find_personal_data

RECORD = """Careers interview record
Student: Jane Smith (Year 11)
Contact the Careers Leader at k.desai@northfield.example.org or 01632 960 123.
Parent mobile +44 (0)7700 900461; office (01632) 960999. Northfield Academy, Castlebrook CB4 7QT.
Name - J. Okafor agreed an action plan.
We met pupil Tom Hughes and student Amira Begum after the fair.
Learner name: Priya Patel

Name | Year | Destination
Amy Brown | 11 | Castlebrook College
Ben O'Neill | 13 | Apprenticeship
Total | 2 |
"""

PRIVATE = ["Jane Smith", "k.desai@northfield.example.org", "01632 960 123", "+44 (0)7700 900461",
           "(01632) 960999", "CB4 7QT", "J. Okafor", "Tom Hughes", "Amira Begum", "Priya Patel",
           "Amy Brown", "Ben O'Neill"]


def test_personal_data_is_replaced_and_restored_exactly():
    r = Redactor()
    out = r.redact(RECORD)
    for value in PRIVATE:
        assert value not in out, value
    assert r.restore(out) == RECORD
    assert r.counts == {"NAME": 7, "EMAIL": 1, "PHONE": 3, "POSTCODE": 1}
    assert "[EMAIL-1]" in out and "[POSTCODE-1]" in out


def test_ordinary_careers_text_is_left_alone():
    text = ("The Pupil Premium gap narrowed; the Student Council and Learner Voice panel met in Year 9. "
            "Student Finance England spoke to 222 students in 2024-25, and 96.8% were in EET. "
            "Total | 222 | 100%\nGatsby Benchmark 8: personal guidance for every pupil.")
    assert find_personal_data(text) == []
    assert Redactor().redact(text) == text


def test_the_same_value_gets_the_same_placeholder_across_texts():
    r = Redactor()
    a = r.redact("Student: Jane Smith joined.")
    b = r.redact("Later, Name: Jane Smith left; Name: Omar Ali stayed.")
    assert a == "Student: [NAME-1] joined."
    assert b == "Later, Name: [NAME-1] left; Name: [NAME-2] stayed."


@pytest.mark.parametrize("number", ["07700 900123", "020 7946 0958", "+447700900123", "0800 123 4567", "01632-960-123"])
def test_uk_phone_numbers(number):
    assert [f.kind for f in find_personal_data(f"Call {number} today.")] == ["PHONE"]


@pytest.mark.parametrize("text", ["In 2024 2025 we had 1234 visits.", "Ref 12345678", "Budget £16,450 in 2025-26"])
def test_numbers_that_are_not_phones(text):
    assert find_personal_data(text) == []


def test_stream_restorer_handles_placeholders_split_across_tokens():
    r = Redactor()
    r.redact("Student: Jane Smith")
    restorer = StreamRestorer(r)
    pieces = ["The learner ", "[NA", "ME-", "1] said", " yes."]
    out = "".join(restorer.feed(p) for p in pieces) + restorer.flush()
    assert out == "The learner Jane Smith said yes."


def test_a_table_flattened_onto_one_line_still_loses_its_names():
    flat = "| Name | Tutor group | Interview date | | --- | | Omar Haddad | 11B | 5 March | | Lucy Wren | 11C |"
    out = Redactor().redact(flat)
    assert "Omar Haddad" not in out and "Lucy Wren" not in out and "11B" in out and "Tutor group" in out


def test_table_rows_given_as_blocks_keep_their_name_column_until_the_table_ends():
    # The readers give each row as its own block, with a blank line between blocks.
    text = (
        "Name | Tutor group | Interview date\n\nOmar Haddad | 11B | 5 March\n\nLucy Wren | 11C | 6 March"
        "\n\nA paragraph ends the table.\n\nRavi Patel | Year 10"
    )
    out = Redactor().redact(text)
    assert "Omar Haddad" not in out and "Lucy Wren" not in out
    assert "11B" in out and "Ravi Patel | Year 10" in out


def test_pupil_numbers_and_dates_of_birth():
    text = "UPN A123456789012; ULN: 1234567890; DOB: 12/03/2009; born on 4 March 2009; 1234567890 visits in 2024."
    r = Redactor()
    out = r.redact(text)
    assert out == "UPN [ID-1]; ULN: [ID-2]; DOB: [DOB-1]; born on [DOB-2]; 1234567890 visits in 2024."
    assert r.restore(out) == text
