"""Plain text and Markdown: encodings, paragraphs re-joined, Markdown structure."""

from __future__ import annotations

import codecs

import pytest

from triage.ingest import ingest_file

SENTENCE = (
    "Our careers programme costs \u00a314,800 a year \u2013 it\u2019s \u201cthe core\u201d of our offer."
)


@pytest.mark.parametrize(
    "encoding, prefix",
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("cp1252", b""),
    ],
)
def test_encodings(tmp_path, encoding, prefix):
    body = f"Careers\n\n{SENTENCE}\nEvery pupil in Year 11 has a guidance interview with an adviser.\n"
    path = tmp_path / f"letter-{encoding}.txt"
    path.write_bytes(prefix + body.encode(encoding))
    doc = ingest_file(path)
    assert doc.status == "ok", doc.message
    assert SENTENCE in doc.text
    assert "\ufeff" not in doc.text


def test_binary_file_named_txt_is_an_error(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 40)
    doc = ingest_file(path)
    assert doc.status == "error"
    assert doc.message.startswith("not a text file")


def test_hard_wrapped_email_paragraphs_are_rejoined(tmp_path):
    para1 = (
        "Mock results were given to pupils in sealed envelopes on Friday, and a copy has been sent home. "
        "After-school revision sessions run Monday to Thursday until 4.15pm."
    )
    para2 = "Careers interviews for Year 11 are now complete and every pupil has an action plan."
    wrapped = "\n".join(_wrap(para1, 60)) + "\n\n" + "\n".join(_wrap(para2, 60)) + "\n"
    path = tmp_path / "newsletter.txt"
    path.write_text(wrapped, encoding="utf-8")
    doc = ingest_file(path)
    paragraphs = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert paragraphs == [para1, para2]


def test_plain_text_capital_headings_and_dash_items(tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(
        "CAREERS CORNER\n\nThe Post-16 Fair was a success.\n\n- First item\n- Second item\n  wrapped on\n",
        encoding="utf-8",
    )
    doc = ingest_file(path)
    blocks = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert blocks == [
        ("heading", "CAREERS CORNER"),
        ("paragraph", "The Post-16 Fair was a success."),
        ("list_item", "First item"),
        ("list_item", "Second item wrapped on"),
    ]


def test_markdown_headings_and_items(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(
        "# Careers plan\n\nIntro line one\ncontinues here.\n\n## Priorities\n\n- Work experience\n"
        "* Guidance\n\n### Budget ###\n\nTotal \u00a324,200.\n",
        encoding="utf-8",
    )
    doc = ingest_file(path)
    assert doc.type == "md"
    blocks = [(b.kind, b.level, doc.text[b.start : b.end]) for b in doc.blocks]
    assert blocks == [
        ("heading", 1, "Careers plan"),
        ("paragraph", 0, "Intro line one continues here."),
        ("heading", 2, "Priorities"),
        ("list_item", 0, "Work experience"),
        ("list_item", 0, "Guidance"),
        ("heading", 3, "Budget"),
        ("paragraph", 0, "Total \u00a324,200."),
    ]
    assert doc.title == "Careers plan"


def test_blank_only_text_is_an_error(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("\n\n   \n", encoding="utf-8")
    doc = ingest_file(path)
    assert doc.status == "error" and doc.message.startswith("no text found")


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]


def test_csv_rows_become_table_rows(tmp_path):
    path = tmp_path / "destinations.csv"
    path.write_text(
        'Destination,Number,Percent\n"College, full-time",107,49.5\nApprenticeship,15,6.9\n', encoding="utf-8"
    )
    doc = ingest_file(path)
    assert doc.status == "ok" and doc.type == "csv"
    rows = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "table_row"]
    assert rows == [
        "Destination | Number | Percent",
        "College, full-time | 107 | 49.5",
        "Apprenticeship | 15 | 6.9",
    ]


def test_markdown_table_rows_are_blocks_of_their_own(tmp_path):
    path = tmp_path / "action_plan.md"
    path.write_text(
        "# Action plan\n\nWhere we are.\n\n"
        "| Action | Lead | By |\n| --- | :-: | --- |\n"
        "| Appoint a Careers Leader | HT | Sept 2026 |\n| Draft a job description |  | Dec 2025 |\n\n"
        "Name | Role\n---|---\nAnn Cole | Careers Leader\n\n"
        "Setext heading with a | pipe\n---\n\nAfter the tables.\n",
        encoding="utf-8",
    )
    doc = ingest_file(path)
    blocks = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert blocks == [
        ("heading", "Action plan"),
        ("paragraph", "Where we are."),
        ("table_row", "Action | Lead | By"),
        ("table_row", "Appoint a Careers Leader | HT | Sept 2026"),
        ("table_row", "Draft a job description | Dec 2025"),
        ("table_row", "Name | Role"),
        ("table_row", "Ann Cole | Careers Leader"),
        ("heading", "Setext heading with a | pipe"),
        ("paragraph", "After the tables."),
    ]


def test_pipes_in_plain_text_stay_in_their_paragraph(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("| Action | Lead |\n| --- | --- |\n| Appoint | HT |\n", encoding="utf-8")
    doc = ingest_file(path)
    assert [b.kind for b in doc.blocks] == ["paragraph"]
