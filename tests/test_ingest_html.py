"""HTML loader: a saved careers page keeps its content and structure and loses the site chrome."""

from __future__ import annotations

from triage.ingest import ingest_file

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Careers | Northfield</title>
<style>.cookie{position:fixed}</style><script>var tracking = "SCRIPT TEXT";</script></head>
<body>
<div id="cookie-banner" class="cookie-banner"><p>We use cookies to improve this site.</p>
<button>Accept all cookies</button></div>
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li><a href="/about">About Us</a></li></ul></nav></header>
<nav class="breadcrumb"><a href="/">Home</a> &gt; Careers</nav>
<main>
<h1>Careers at Northfield</h1>
<p>Our Careers Leader is Ms Patel. You can contact her at careers@northfield.example or on 01632 960001.</p>
<h2>Our programme</h2>
<ul><li><strong>Year 7:</strong> World of Work Day &amp; Unifrog profile.</li>
<li>Year 10: work experience week</li></ul>
<table><tr><th>Event</th><th>Date</th></tr><tr><td>Post-16 Fair</td><td>17 October</td></tr></table>
<div>Some text straight inside a div, with <a href="/x">a link</a> in it.</div>
</main>
<aside class="sidebar"><h2>Quick links</h2><ul><li>Term dates</li></ul></aside>
<footer class="site-footer"><p>Copyright 2025 Northfield Academy</p></footer>
</body></html>"""


def test_keeps_content_and_structure(tmp_path):
    path = tmp_path / "careers.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = ingest_file(path)
    assert doc.status == "ok", doc.message
    blocks = [(b.kind, b.level, doc.text[b.start : b.end]) for b in doc.blocks]
    assert blocks[0] == ("heading", 1, "Careers at Northfield")
    assert ("heading", 2, "Our programme") in blocks
    assert ("list_item", 0, "Year 7: World of Work Day & Unifrog profile.") in blocks
    assert ("table_row", 0, "Post-16 Fair | 17 October") in blocks
    assert ("paragraph", 0, "Some text straight inside a div, with a link in it.") in blocks
    assert doc.title == "Careers at Northfield"


def test_drops_chrome(tmp_path):
    path = tmp_path / "careers.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = ingest_file(path)
    for chrome in (
        "cookies",
        "SCRIPT TEXT",
        "About Us",
        "Quick links",
        "Term dates",
        "Copyright",
        "position:fixed",
    ):
        assert chrome not in doc.text


def test_page_without_main_uses_body(tmp_path):
    path = tmp_path / "plain.htm"
    path.write_text(
        "<html><body><nav>Menu</nav><h2>Work experience</h2><p>All Year 10 pupils take part.</p>"
        "<footer>Footer</footer></body></html>",
        encoding="utf-8",
    )
    doc = ingest_file(path)
    assert doc.type == "html"
    assert doc.text == "Work experience\n\nAll Year 10 pupils take part."


def test_windows_1252_page_without_charset(tmp_path):
    path = tmp_path / "old.html"
    path.write_bytes(
        "<html><body><p>Costs \u00a3300 \u2013 it\u2019s \u201cfree\u201d for pupils.</p></body></html>".encode(
            "cp1252"
        )
    )
    doc = ingest_file(path)
    assert "Costs \u00a3300 \u2013 it\u2019s \u201cfree\u201d for pupils." in doc.text


def test_dev_pack_website_keeps_every_gold_quote_and_drops_chrome(dev_pack):
    from test_ingest_devpack import gold_quotes, normalise

    doc = ingest_file(dev_pack / "docs" / "Careers_Hollins_Park_School_website.html")
    text = normalise(doc.text)
    quotes = gold_quotes(dev_pack, "Careers_Hollins_Park_School_website.html")
    assert quotes
    for quote in quotes:
        assert normalise(quote) in text
    headings = [doc.text[b.start : b.end] for b in doc.headings]
    assert "Who to contact" in headings and "Careers and labour market information" in headings
    links = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "list_item"]
    assert any(item.startswith("Unifrog - every pupil has an account") for item in links)
    for chrome in ("Accept all cookies", "Staff List", "Quick links", "All rights reserved", "Skip to main"):
        assert chrome not in doc.text


def test_content_with_chrome_like_class_names_inside_main_is_kept(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        '<html><body><div class="menu">Site menu</div><main><div class="hero-banner"><h1>Careers</h1></div>'
        '<div class="cookie-notice">Cookies!</div><p>Year 11 interviews start in October.</p></main></body></html>',
        encoding="utf-8",
    )
    doc = ingest_file(path)
    assert doc.text == "Careers\n\nYear 11 interviews start in October."
