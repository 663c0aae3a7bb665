"""DOCX loader on real documents made with python-docx."""

from __future__ import annotations

from docx import Document as WordDocument
from test_ingest_factories import ENCOUNTERS, GUIDANCE, LEADERSHIP, make_docx

from triage.ingest import ingest_file


def _blocks(doc):
    return [(b.kind, b.level, doc.text[b.start : b.end]) for b in doc.blocks]


def test_body_order_headings_lists_tables(tmp_path):
    doc = ingest_file(make_docx(tmp_path / "plan.docx"))
    assert doc.status == "ok", doc.message
    assert doc.type == "docx" and doc.page_count == 1
    blocks = _blocks(doc)
    assert blocks[0] == ("title", 0, "Careers Programme Plan")
    assert ("heading", 1, "Leadership") in blocks
    assert ("heading", 2, "Encounters with employers") in blocks
    assert ("paragraph", 0, LEADERSHIP) in blocks
    assert ("list_item", 0, "Year 7 World of Work Day with fourteen employers") in blocks
    assert ("list_item", 0, "Year 8 Enterprise Challenge with a local food manufacturer") in blocks
    rows = [text for kind, _, text in blocks if kind == "table_row"]
    assert rows == [
        "When | Year | Activity",
        "October | 11 | Post-16 Fair with 14 providers",
        "March | 8 | Pathways Day",
    ]
    # The table sits where the author put it: after the list, before the closing paragraph.
    texts = [text for _, _, text in blocks]
    assert texts.index(ENCOUNTERS) < texts.index(rows[0]) < texts.index(GUIDANCE)
    assert doc.title == "Careers Programme Plan"


def test_header_and_footer_stay_out_of_the_body(tmp_path):
    doc = ingest_file(make_docx(tmp_path / "plan.docx", header="RUNNING HEADER XYZ", footer="FOOTER ABC"))
    assert "RUNNING HEADER XYZ" not in doc.text
    assert "FOOTER ABC" not in doc.text


def test_merged_cells_are_read_once(tmp_path):
    word = WordDocument()
    table = word.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "Destinations 2024"
    table.cell(1, 0).text = "College"
    table.cell(1, 1).text = "107"
    table.cell(1, 2).text = "49.5%"
    word.save(str(tmp_path / "d.docx"))
    doc = ingest_file(tmp_path / "d.docx")
    rows = [t for k, _, t in _blocks(doc) if k == "table_row"]
    assert rows == ["Destinations 2024", "College | 107 | 49.5%"]


def test_empty_docx_is_an_error(tmp_path):
    WordDocument().save(str(tmp_path / "empty.docx"))
    doc = ingest_file(tmp_path / "empty.docx")
    assert doc.status == "error"
    assert doc.message == "no text found: the Word document is empty"


def test_text_file_named_docx_is_an_error(tmp_path):
    fake = tmp_path / "minutes.docx"
    fake.write_text("These are the minutes, saved as plain text.\n", encoding="utf-8")
    doc = ingest_file(fake)
    assert doc.status == "error"
    assert doc.message.startswith("not a Word document")


def test_damaged_docx_package_is_an_error(tmp_path):
    good = make_docx(tmp_path / "plan.docx").read_bytes()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(good[: len(good) // 3])
    doc = ingest_file(broken)
    assert doc.status == "error"
    assert doc.message.startswith("not a Word document")


def test_office_zip_bomb_is_refused(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b" " * (30 * 2**20))
    doc = ingest_file(bomb)
    assert doc.status == "error" and doc.message.startswith("suspicious file")


def test_tracked_insertions_and_content_controls_are_read_deletions_are_not(tmp_path):
    from docx.oxml import parse_xml

    word = WordDocument()
    para = word.add_paragraph("Work experience is offered to ")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    para._p.append(
        parse_xml(
            f'<w:ins {w} w:id="1" w:author="RT"><w:r><w:t xml:space="preserve">every Year 10 pupil'
            "</w:t></w:r></w:ins>"
        )
    )
    para._p.append(
        parse_xml(f'<w:del {w} w:id="2" w:author="RT"><w:r><w:delText> some pupils</w:delText></w:r></w:del>')
    )
    para._p.append(
        parse_xml(
            f'<w:sdt {w}><w:sdtContent><w:r><w:t xml:space="preserve"> in July</w:t></w:r>'
            "</w:sdtContent></w:sdt>"
        )
    )
    para.add_run(".")
    word.save(str(tmp_path / "tracked.docx"))
    doc = ingest_file(tmp_path / "tracked.docx")
    assert doc.text == "Work experience is offered to every Year 10 pupil in July."


def test_text_box_content_is_read_once(tmp_path):
    from docx.oxml import parse_xml

    word = WordDocument()
    para = word.add_paragraph("Poster:")
    ns = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    )
    box = "<w:txbxContent><w:p><w:r><w:t>Careers Fair on 17 October in the Sports Hall</w:t></w:r></w:p></w:txbxContent>"
    para._p.append(
        parse_xml(
            f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:pict><v:shape><v:textbox>{box}'
            f"</v:textbox></v:shape></w:pict></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{box}"
            "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
    )
    word.save(str(tmp_path / "poster.docx"))
    doc = ingest_file(tmp_path / "poster.docx")
    assert doc.text == "Poster:\n\nCareers Fair on 17 October in the Sports Hall"


def test_bold_short_paragraphs_are_headings_bold_sentences_are_not(tmp_path):
    word = WordDocument()
    word.add_paragraph().add_run("Work experience").bold = True
    word.add_paragraph(ENCOUNTERS)
    word.add_paragraph().add_run("Every pupil must bring a packed lunch.").bold = True
    word.save(str(tmp_path / "bold.docx"))
    doc = ingest_file(tmp_path / "bold.docx")
    assert _blocks(doc) == [
        ("heading", 3, "Work experience"),
        ("paragraph", 0, ENCOUNTERS),
        ("paragraph", 0, "Every pupil must bring a packed lunch."),
    ]
