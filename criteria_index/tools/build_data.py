"""One-off bootstrap: draft the criteria_index/data/*.yaml files from the seed documents.

The checked-in YAML is the source of truth and has been reviewed by hand; this script is kept
only to show how the first draft was made. It is never imported at run time.

    .venv/bin/python -m criteria_index.tools.build_data ../shared/seeds criteria_index/data

Every correction of an extraction artefact is written here as an explicit rule or fix-up so a
reviewer can see exactly where the YAML departs from the raw extraction.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

import yaml

GUIDE = "000_41ce958438621bb3.txt"
TOOLKIT = "002_06ea8cbf3046990d.txt"
MATURITY_SCHOOL = "003_1a65c385b3ce9f50.txt"
MATURITY_COLLEGE = "004_d09117aab9f99d89.txt"
VERSION = "qic-2023.1"

OUTCOMES = ("insufficient_progress", "good_progress", "fully_meeting")
NUMERALS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
SECTION_SIZES = {1: 9, 2: 2, 3: 7, 4: 3, 5: 3, 6: 2, 7: 2, 8: 4}

# Phrases written just before "(q.v.)" in the section 5 descriptors, mapped to glossary entries.
QV_TERMS: dict[str, str] = {
    "embedded": "1.11",
    "systems thinking": "1.25",
    "careers leadership": "1.9",
    "careers policy": "1.10",
    "annual careers plan": "1.2",
    "provider access legislation": "1.21",
    "career and labour market information (clmi)": "1.4",
    "informed adviser": "1.16",
    "careers assessments": "1.5",
    "careers assessment": "1.5",
    "equality": "1.13",
    "diversity": "1.13",
    "raising aspirations": "1.22",
    "appropriate employers": "1.12",
    "appropriate employers and voluntary services": "1.12",
    "meaningful": "1.18",
    "meaningful encounter": "1.18",
    "provider access": "1.21",
    "appropriate post 16+ options": "1.3",
    "guided option choices": "1.14",
    "individually or in groups": "1.20",
    "appropriate to their needs": "1.20",
}

# Terms in the Recording Grid wording that the glossary explains (term match, reviewed by hand).
CODE_TERMS: dict[str, list[str]] = {
    "1.1": [r"equity of access to independent"],
    "1.4": [r"careers? and labour market information"],
    "1.5": [r"assessing careers-related learning", r"learners in assessing"],
    "1.6": [r"\bCEIAG\b"],
    "1.7": [r"careers advisers?\b"],
    "1.9": [r"Careers Leader"],
    "1.11": [r"\bembedding\b"],
    "1.12": [r"encounters? with (an )?employers?"],
    "1.13": [r"stereotyp", r"\bequity\b"],
    "1.15": [r"\bimpartial"],
    "1.16": [r"trained and prepared for their role"],
    "1.17": [r"\binterviews?\b"],
    "1.18": [r"meaningful encounters?"],
    "1.20": [r"careers (advice and )?guidance"],
    "1.21": [r"full range of providers of learning"],
    "1.22": [r"aspirations"],
    "1.23": [r"disadvantaged"],
    "1.24": [r"study programme", r"programme of study"],
    "1.26": [r"work-experience", r"work experience", r"experiences? of (a )?workplaces?"],
    "1.27": [r"work-shadowing", r"work shadowing"],
}


def clean_inline(text: str) -> str:
    """Strip HTML/markdown artefacts of the extraction from one run of text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [label](url) -> label
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)  # <http://...> -> url
    text = re.sub(r"</?(p|i|u|b|em|strong|ul|li)( [^>]*)?>", " ", text)
    text = text.replace("\\(", "(").replace("\\)", ")")
    text = html.unescape(text)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    # a stripped tag leaves a space inside brackets: "( see also 1.3 )"
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+\)", ")", text)
    return text.strip()


def strip_md_emphasis(text: str) -> str:
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    return text


def join_fragments(paragraphs: list[str], *, lowercase_only: bool = False) -> list[str]:
    """Re-join paragraphs that a page or cell break cut in the middle of a sentence.

    Table cells (section 5) break anywhere, so any paragraph without closing punctuation is
    continued; in running text (glossary) only a paragraph that starts in lower case is.
    """
    out: list[str] = []
    for para in paragraphs:
        para = para.strip()
        if not para:
            continue
        if lowercase_only:
            cut = bool(out) and para[0].islower() and not para.startswith("http")
        else:
            cut = bool(out) and not re.search(r"[.:;!?)\"”]$", out[-1]) and not para.startswith("•")
        if cut:
            out[-1] = f"{out[-1]} {para}"
        else:
            out.append(para)
    return out


# ---- the Assessment Guide ------------------------------------------------------------------


def guide_lines(seeds: Path) -> list[str]:
    return (seeds / GUIDE).read_text(encoding="utf-8").splitlines()


def find_line(lines: list[str], pattern: str, start: int = 0) -> int:
    rx = re.compile(pattern)
    for i in range(start, len(lines)):
        if rx.search(lines[i]):
            return i
    raise ValueError(f"pattern not found: {pattern}")


def recording_grid(lines: list[str]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    start = find_line(lines, r"^2\. Suggested Assessment Recording Grid")
    codes: list[dict[str, Any]] = []
    section_titles: dict[int, str] = {}
    for line in lines[start:]:
        m = re.match(r"^(\d)\. ([^\t]+)", line)
        if m:
            section_titles[int(m.group(1))] = m.group(2).strip()
            continue
        m = re.match(r"^(\d\.\d)\t(.*)$", line)
        if not m:
            continue
        code, cell = m.group(1), m.group(2).strip("\t ")
        paras = [p for p in re.split(r"</p>\s*<p>|</?p>", cell) if p.strip()] or [cell]
        description, school, college = "", "", ""
        for para in paras:
            italic = para.strip().startswith("<i>")
            text = clean_inline(para)
            if text.startswith("For school"):
                school = text
            elif text.lower().startswith("for college"):
                college = text
            elif italic and code == "4.1":
                college = text
            else:
                description = f"{description} {text}".strip()
        see_also = re.findall(r"see also (\d\.\d)", description)
        codes.append(
            {
                "code": code,
                "section": int(code.split(".")[0]),
                "description": description,
                "school_text": school,
                "college_text": college,
                "see_also": see_also,
                "source": f"{GUIDE}, Appendix 2 template 2 (Suggested Assessment Recording Grid), code {code}",
            }
        )
    for c in codes:
        text = " ".join([c["description"], c["school_text"], c["college_text"]])
        c["glossary_refs"] = [
            num for num, pats in CODE_TERMS.items() if any(re.search(p, text, re.IGNORECASE) for p in pats)
        ]
    return codes, section_titles


def summary_grid(lines: list[str]) -> dict[str, Any]:
    start = find_line(lines, r"^1\. Required Assessment Summary Grid")
    header = find_line(lines, r"^National criteria section headings", start)
    cols = [re.sub(r"\s*\(✓\)\s*$", "", c).strip() for c in lines[header].split("\t")[1:4]]
    titles = {}
    for line in lines[header + 1 : header + 12]:
        m = re.match(r"^(\d)\. ([^\t]+)", line)
        if m:
            titles[int(m.group(1))] = m.group(2).strip()
    notes = {}
    for line in lines[header : header + 25]:
        m = re.match(r"^- \((i+)\) \*\*(.+?)\*\* = (.+)$", line)
        if m:
            notes[len(m.group(1))] = (m.group(2), m.group(3).strip())
    return {"grid_labels": cols, "titles": titles, "notes": notes}


def section5(lines: list[str]) -> list[dict[str, Any]]:
    start = find_line(lines, r"^5\. Making judgements")
    end = find_line(lines, r"^APPENDICES", start)
    headings: dict[int, str] = {}
    tables: list[list[list[str]]] = []
    table_heading: list[str | None] = []
    pending_heading: str | None = None
    for line in lines[start + 1 : end]:
        m = re.match(r"^(\d)\. (.+)$", line)
        if m and "\t" not in line:
            pending_heading = re.sub(r"[⁰-⁹¹²³]+$", "", m.group(2)).strip()
            continue
        if line.startswith("Insufficient progress towards fully meeting the Standard\t"):
            tables.append([[], [], []])
            table_heading.append(pending_heading)
            pending_heading = None
            continue
        if not tables or "\t" not in line or re.match(r"^[-\t]+$", line):
            continue
        cells = line.split("\t")
        for i in range(3):
            if i < len(cells) and cells[i].strip():
                tables[-1][i].append(cells[i])
    if len(tables) != 8:
        raise ValueError(f"expected 8 descriptor tables in section 5, found {len(tables)}")
    sections = []
    for n, (cols, heading) in enumerate(zip(tables, table_heading, strict=True), start=1):
        if heading:
            headings[n] = heading
        descriptors: dict[str, list[dict[str, Any]]] = {}
        notes: dict[str, list[dict[str, Any]]] = {}
        for outcome, fragments in zip(OUTCOMES, cols, strict=True):
            items, outcome_notes = split_descriptors(" ".join(fragments))
            descriptors[outcome] = items
            if outcome_notes:
                notes[outcome] = outcome_notes
        sections.append({"number": n, "heading": headings.get(n), "descriptors": descriptors, "notes": notes})
    return sections


def format_statement(raw: str) -> str:
    """Tagged cell text -> plain text: one line per paragraph or bullet, page breaks re-joined."""
    raw = raw.replace("•", "</p><p>•")
    paras = [clean_inline(p) for p in re.split(r"</?p>|<ul[^>]*>|</ul>", raw)]
    return "\n".join(join_fragments(paras))


def split_descriptors(column: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    notes: list[dict[str, Any]] = []
    note_at = re.search(r"(<p>)?(<i>)?Note 1:", column)
    if note_at:
        note_text = column[note_at.start() :]
        column = column[: note_at.start()]
        for part in re.split(r"(?=Note \d:)", format_statement(note_text).replace("\n", " ")):
            if part.strip():
                label, text = part.strip().split(": ", 1)
                refs = qv_refs(text)
                if "social justice" in text and "1.23" not in refs:
                    refs.append("1.23")
                notes.append({"label": label, "text": text, "glossary_refs": refs})
    positions: list[tuple[str, int, int]] = []
    pos = 0
    for numeral in NUMERALS:
        m = re.compile(rf"(?:^|(?<=[\s>])){numeral}\.\s").search(column, pos)
        if not m:
            break
        positions.append((numeral, m.start(), m.end()))
        pos = m.end()
    items = []
    for k, (numeral, _s, e) in enumerate(positions):
        stop = positions[k + 1][1] if k + 1 < len(positions) else len(column)
        text = format_statement(column[e:stop])
        items.append({"numeral": numeral, "text": text, "glossary_refs": qv_refs(text)})
    return items, notes


def qv_refs(text: str) -> list[str]:
    refs: list[str] = []
    for qv in re.finditer(r"([\w+ /()’'‘“”\"-]{0,60}?)\(q\.v\.[^)]*\)", text):
        before = qv.group(1).lower().strip(" “”\"‘’'-–")
        match = max((t for t in QV_TERMS if before.endswith(t)), key=len, default=None)
        if match is None:
            print(f"  unmatched q.v. before: {before!r}", file=sys.stderr)
        elif QV_TERMS[match] not in refs:
            refs.append(QV_TERMS[match])
    for listed in re.findall(
        r"glossary notes? ([\d., and]+?(?:in respect of [^,]+)?(?:, [\d.]+)*(?: and [\d.]+)?)\)", text
    ):
        for num in re.findall(r"\b1\.\d{1,2}\b", listed):
            if num not in refs:
                refs.append(num)
    return refs


def _search(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    m = re.search(pattern, text, flags)
    if m is None:
        raise ValueError(f"pattern not found in the guide: {pattern}")
    return m


def outcomes(lines: list[str], grid: dict[str, Any]) -> list[dict[str, Any]]:
    s27 = find_line(lines, r"^2\.7 ")
    s3 = find_line(lines, r"^3\. Key characteristics", s27)
    block = "\n".join(lines[s27:s3])
    quotes = re.findall(r"[\"“](Congratulations.+?with you\.)[\"”]", block, re.S)
    insufficient = _search(r"(\"Making insufficient progress\" means.+?shortcomings\.)", block).group(1)
    good_meaning = "This is likely to mean that they meet or partially meet the requirements of some but " + (
        _search(r"but not yet all of the Gatsby.+?areas to address\.", block, re.S)
        .group(0)
        .removeprefix("but ")
    )
    fully = _search(r"Fully meeting” means.+?Gatsby Benchmarks\.", block).group(0)
    fully = "“" + fully  # the guide drops the opening quotation mark here
    s5 = find_line(lines, r"^5\. Making judgements")
    bullets = [
        clean_inline(strip_md_emphasis(lines[i][2:]))
        for i in range(s5, s5 + 8)
        if lines[i].startswith("- **")
    ]
    short = ("Insufficient progress", "Making Good progress", "Fully meeting")
    meanings = (insufficient, good_meaning, fully)
    citations = ("", quotes[0], quotes[1])
    out = []
    for k, oid in enumerate(OUTCOMES):
        label = bullets[k][0].upper() + bullets[k][1:]
        note_heading, note_text = grid["notes"][k + 1]
        out.append(
            {
                "id": oid,
                "label": label,
                "grid_label": grid["grid_labels"][k],
                "short_label": short[k],
                "summary_note": note_text,
                "citation": citations[k],
                "meaning": clean_inline(meanings[k]),
                "source": f"{GUIDE}, section 2.7; section 5; Appendix 2 template 1 note ({NUMERALS[k]})",
            }
        )
        assert note_heading == grid["grid_labels"][k], (note_heading, grid["grid_labels"][k])
    return out


def glossary(lines: list[str]) -> list[dict[str, Any]]:
    start = find_line(lines, r"^Appendix 1: Glossary")
    end = find_line(lines, r"^Appendix 2\.", start)
    entries: list[dict[str, Any]] = []
    body: list[str] = []

    def flush() -> None:
        if entries:
            entries[-1]["text"] = glossary_text(entries[-1]["number"], body)
        body.clear()

    for line in lines[start + 1 : end]:
        m = re.match(r"^(1\.\d{1,2}) (.+)$", line)
        if m:
            flush()
            entries.append({"number": m.group(1), "term": clean_inline(m.group(2)), "text": ""})
            continue
        body.append(line)
    flush()
    for e in entries:
        e["source"] = f"{GUIDE}, Appendix 1 (Glossary), entry {e['number']}"
    return entries


def glossary_text(number: str, body: list[str]) -> str:
    paras: list[str] = []
    for line in body:
        line = line.strip()
        if not line:
            continue
        if "\t" in line:  # the six-theme table in 1.8
            cells = [c.strip() for c in line.split("\t") if c.strip()]
            paras.append(" | ".join(cells))
            continue
        if re.match(r"^[¹²³⁴⁵⁶⁷⁸⁹]", line):
            continue
        bullet = line.startswith("- ")
        text = line[2:] if bullet else line
        if number == "1.7":  # "who:*" and "*Qualifications" are the guide's own footnote stars
            text = text.replace("who:*", "who:@FN@*").replace("**Qualifications:", "*@FN@Qualifications:")
        text = clean_inline(strip_md_emphasis(text))
        text = text.replace("@FN@Qualifications:", "*Qualifications:").replace("@FN@", "")
        paras.append(f"• {text}" if bullet else text)
    # The 1.8 theme table reads better as one line per theme.
    if number == "1.8":
        paras = table_to_themes(paras)
    return "\n".join(join_fragments(paras, lowercase_only=True))


def table_to_themes(paras: list[str]) -> list[str]:
    out: list[str] = []
    k = 0
    while k < len(paras):
        p = paras[k]
        if p.startswith("Theme 1 | Theme 2"):
            heads = p.split(" | ")
            vals = paras[k + 1].split(" | ")
            out.extend(f"{h}: {v}" for h, v in zip(heads, vals, strict=True))
            k += 2
            continue
        if p.startswith("Theme 4 | Theme 5"):
            heads = p.split(" | ")
            vals = paras[k + 1].split(" | ")
            out.extend(f"{h}: {v}" for h, v in zip(heads, vals, strict=True))
            k += 2
            continue
        out.append(p)
        k += 1
    return out


# ---- the Gatsby toolkit ---------------------------------------------------------------------


def gatsby(seeds: Path) -> list[dict[str, Any]]:
    lines = (seeds / TOOLKIT).read_text(encoding="utf-8").splitlines()
    out = []
    for n in range(1, 9):
        at = find_line(lines, rf"^Gatsby Benchmark {n}$", 40)
        title = next(line.strip() for line in lines[at + 1 :] if line.strip())
        wg = find_line(lines, r"^What good looks like$", at)
        statements: list[str] = []
        notes: list[str] = []
        seen_bullets = False
        practice = find_line(lines, r"^What this means in practice$", wg)
        for line in lines[wg + 1 : practice]:
            s = line.strip()
            if s.startswith("*") and not s.startswith("**"):
                # footnotes explaining the starred terms; the toolkit lost the link text "register"
                notes.append(clean_inline(strip_md_emphasis(s)).replace("from this .", "from this register."))
        for line in lines[wg + 1 : practice]:
            s = line.strip()
            if not s or (s.startswith("*") and not s.startswith("**")):
                continue
            if s.startswith("- "):
                seen_bullets = True
                statements.append(clean_inline(strip_md_emphasis(s[2:])))
                continue
            if seen_bullets:
                break
            statements.append(clean_inline(strip_md_emphasis(s)))
        out.append(
            {
                "number": n,
                "title": title,
                "section": n,
                "what_good_looks_like": statements,
                "notes": notes,
                "source": f"{TOOLKIT}, Gatsby Benchmark {n}, What good looks like",
            }
        )
    return out


# ---- the Careers Impact System maturity models -------------------------------------------------

# The school grid (003) is a tab-separated table, but several rows were laid out line by line by
# the PDF extraction: for those, each tab column is read top to bottom over the listed lines.
# (line numbers are 1-based; col 0 holds the sub-theme label, cols 1-4 the four statements)
SCHOOL_BLOCKS = {"1.5": (12, 21), "1.6": (22, 28), "1.7": (29, 35), "3.8": (75, 85)}
# rows whose cells overflowed onto later lines: sub-theme -> continuation lines
SCHOOL_CONTINUATIONS = {"1.4": (10, 11), "2.4": (47, 50), "3.4": (63, 63), "3.7": (70, 74)}
# cells that repeat a neighbouring line with garbled letters ("Coreers", "procinc"): dropped
SCHOOL_GARBAGE = {(28, 2), (28, 3), (31, 2)}

# The college grid (004) came out one cell per run of lines, column after column, with nothing
# marking where one statement ends and the next begins. These are the opening words of
# statements 2, 3 and 4 of each sub-theme, read off the layout by hand (searched in order).
COLLEGE_STARTS: dict[str, tuple[str, ...]] = {
    "1.1": (
        "There is a named Careers Leader who has",
        "Leadership of careers includes",
        "Careers leadership is supported",
    ),
    "1.2": ("The college vision includes", "The vision(s) informs", "The vision(s) shapes"),
    "1.3": (
        "There is a strategic careers development plan that",
        "There is a strategic careers development plan in place",
        "Both the college strategic plan",
    ),
    "1.4": ("Oversight of careers is led", "Oversight of careers is led", "Strategic careers planning"),
    "1.5": ("There are regular and planned", "The aims and impact", "Governors and a named"),
    "1.6": (
        "The named Careers Leader regularly",
        "College leadership is supported",
        "College leadership is supported",
    ),
    "1.7": (
        "The Careers Leader is supported",
        "An Enterprise Adviser(s) supports",
        "An Enterprise Adviser(s) informs",
    ),
    "2.1": (
        "A documented careers learning journey",
        "Documented careers learning journeys",
        "Progressive, responsive and differentiated",
    ),
    "2.2": (
        "Data and information about vulnerable and targeted groups/learners is used",
        "Data and information about vulnerable and targeted groups/learners are analysed",
        "There is evidence of differentiated",
    ),
    "2.3": ("Recording systems are regularly updated", "Up-to-date information", "Up-to-date information"),
    "2.4": (
        "Destinations data is collected, analysed",
        "Destinations data is systematically",
        "Destinations data is systematically",
    ),
    "2.5": ("Learners’ perception", "Learners’ perception", "Learners’ perception"),
    "2.6": (
        "Relevant stakeholder voice",
        "Stakeholder voice is systematically",
        "All relevant stakeholder voice",
    ),
    "2.7": (
        "Careers provision and compliance",
        "Quality assurance processes involve",
        "Insight and learning",
    ),
    "3.1": (
        "A documented careers learning journey",
        "Documented careers learning journeys",
        "Impact evaluation",
    ),
    "3.2": (
        "A documented careers learning journey",
        "Documented careers learning journeys",
        "Impact evaluation",
    ),
    "3.3": (
        "A documented careers learning journey",
        "Documented careers learning journeys",
        "Impact evaluation",
    ),
    "3.4": (
        "All parents and carers receive information about what",
        "Documented careers learning journeys",
        "Support is provided",
    ),
    "3.5": (
        "All parents and carers are supported",
        "Documented careers learning journeys",
        "Support is provided",
    ),
    "3.6": (
        "Teaching, pastoral and relevant support staff are",
        "Teaching, pastoral and relevant support staff are",
        "Teaching, pastoral and relevant support staff receive",
    ),
    "3.7": (
        "The college identifies",
        "Documented careers learning journeys",
        "Documented, responsive and differentiated",
    ),
    "3.8": (
        "Success stories are deliberately",
        "Documented careers learning journeys",
        "Documented, responsive and differentiated",
    ),
    "4.1": (
        "Discrete time for careers in",
        "Discrete time for careers education",
        "Discrete time for careers education",
    ),
    "4.2": ("There is an expectation", "Staff consistently work", "Quality assurance processes monitor"),
    "4.3": (
        "Quality assurance systems and processes facilitate",
        "Regular and systematic",
        "Quality assurance processes consider",
    ),
    "4.4": (
        "Careers has a recognisable profile across",
        "Curriculum staff are supported",
        "The identification, development",
    ),
    "4.5": ("Staff are regularly supported", "Staff are supported through", "Application of knowledge"),
    "4.6": ("There is a whole college", "Documented careers learning journeys", "A documented, responsive"),
    "5.1": ("The college identifies", "Sustainable and collaborative", "Sustainable and collaborative"),
    "5.2": ("All learners engage", "Documented careers learning journeys", "A documented, responsive"),
    "5.3": ("All learners access", "Documented careers learning journeys", "A documented, responsive"),
    "6.1": ("All learners are supported", "All learners are supported", "All learners are supported"),
    # the first cell of 6.2 is empty in the college grid; these open statements 2, 3 and 4
    "6.2": (
        "Personal guidance interviews are well-timed",
        "Personal guidance interviews and learner",
        "Approaches to personal guidance",
    ),
    "6.3": (
        "There is evidence of evaluation",
        "Impartial personal guidance provision and",
        "Impartial personal guidance provision and",
    ),
}
COLLEGE_TITLE_WORDS = {  # how many words of each sub-theme's run are its title
    "1.1": 7, "1.2": 6, "1.3": 3, "1.4": 4, "1.5": 5, "1.6": 11, "1.7": 6,
    "2.1": 6, "2.2": 6, "2.3": 5, "2.4": 5, "2.5": 5, "2.6": 5, "2.7": 5,
    "3.1": 14, "3.2": 11, "3.3": 7, "3.4": 16, "3.5": 11, "3.6": 11, "3.7": 3, "3.8": 5,
    "4.1": 2, "4.2": 12, "4.3": 7, "4.4": 15, "4.5": 22, "4.6": 3,
    "5.1": 3, "5.2": 4, "5.3": 3, "6.1": 4, "6.2": 5, "6.3": 3,
}  # fmt: skip
MISSING_NOTE = "The first maturity statement of this sub-theme is blank in the source grid."


def _tidy(text: str) -> str:
    text = re.sub(r"(\w)- (?=\w)", r"\1-", text)  # "well- timed": a hyphenated word broken at a line end
    text = re.sub(r"\s+([.,;:)])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _benchmarks(title: str) -> list[int]:
    m = re.search(r"\(Benchmarks? ([\d ,&and]+)\)", title)
    return [int(n) for n in re.findall(r"\d", m.group(1))] if m else []


def _list_items(text: str) -> str:
    """ " - make ... - develop ..." sub-lists in a statement -> one item per line."""
    return re.sub(r"\s+-\s+(?=[a-z])", "\n- ", text)


def maturity_school(seeds: Path) -> dict[str, Any]:
    lines = (seeds / MATURITY_SCHOOL).read_text(encoding="utf-8").splitlines()
    themes: list[dict[str, Any]] = []
    cells: dict[str, list[list[str]]] = {}
    titles: dict[str, str] = {}
    order: list[str] = []

    def add(number: str, col: int, text: str) -> None:
        cells.setdefault(number, [[], [], [], [], []])[col].append(text)

    skip = {
        ln for a, b in [*SCHOOL_BLOCKS.values(), *SCHOOL_CONTINUATIONS.values()] for ln in range(a, b + 1)
    }
    for ln, line in enumerate(lines, start=1):
        if ln in skip or not line.strip():
            continue
        flat = line.replace("\t", "").strip()
        if ln == 4:  # the Theme 1 title is spread across cells mid-word
            themes[-1]["title"] = flat
            continue
        m = re.match(r"^Theme (\d)\s*(.*)$", flat)
        if m:
            themes.append({"theme": int(m.group(1)), "title": m.group(2).strip(), "subs": []})
            continue
        m = re.match(r"^(\d\.\d) ([^\t]+)\t(.*)$", line)
        if m:
            number = m.group(1)
            titles[number] = m.group(2).strip()
            if number not in order:
                order.append(number)
            for col, text in enumerate(m.group(3).split("\t")[:4], start=1):
                if text.strip():
                    add(number, col, text.strip())
            continue
        if flat == "•":  # a stray bullet glyph after 4.4
            continue
        raise ValueError(f"{MATURITY_SCHOOL} line {ln} not understood: {line[:60]!r}")
    for number, (a, b) in {**SCHOOL_BLOCKS, **SCHOOL_CONTINUATIONS}.items():
        for ln in range(a, b + 1):
            row = lines[ln - 1].split("\t")
            for col in range(5):
                if col < len(row) and row[col].strip() and (ln, col) not in SCHOOL_GARBAGE:
                    add(number, col, row[col].strip())
        if number not in order:
            order.append(number)
    order.sort(key=lambda n: tuple(map(int, n.split("."))))
    # 3.4's third statement ends at the top of 3.5's row
    third = cells["3.5"][3]
    assert third[0].startswith("context. "), third[0][:20]
    cells["3.4"][3].append("context.")
    third[0] = third[0].removeprefix("context. ")
    for number in SCHOOL_BLOCKS:
        titles[number] = _tidy(" ".join(cells[number][0])).removeprefix(number).strip()
    by_theme: dict[int, list[dict[str, Any]]] = {}
    for number in order:
        statements = [_list_items(_tidy(" ".join(c))) or None for c in cells[number][1:]]
        if number == "2.1" and statements[0]:  # this cell lost its list dashes in extraction
            for item in ("make aspirational", "make effective", "develop career"):
                statements[0] = statements[0].replace(f" {item}", f"\n- {item}", 1)
        sub: dict[str, Any] = {"number": number, "title": titles[number], "statements": statements}
        sub["source"] = (
            f"{MATURITY_SCHOOL}, Careers Impact System maturity model (schools), sub-theme {number}"
        )
        if any(st is None for st in statements):
            sub["note"] = MISSING_NOTE
        if number == "4.4" and statements[3] and statements[3].endswith("informs continuous"):
            sub["note"] = 'The fourth statement ends mid-sentence ("informs continuous") in the source grid.'
        by_theme.setdefault(int(number[0]), []).append(sub)
    out = []
    for t in themes:
        title = re.sub(r"\s*\((Benchmarks?[^)]*)\)\s*$", "", t["title"]).strip()
        out.append(
            {
                "theme": t["theme"],
                "title": title,
                "benchmarks": _benchmarks(t["title"]),
                "sub_themes": by_theme[t["theme"]],
            }
        )
    return {
        "version": VERSION,
        "provider_kind": "school",
        "title": "Careers Impact System maturity model: schools and special schools",
        "source": MATURITY_SCHOOL,
        "themes": out,
    }


def maturity_college(seeds: Path) -> dict[str, Any]:
    raw = (seeds / MATURITY_COLLEGE).read_text(encoding="utf-8").splitlines()
    joined = ""
    for line in raw:
        s = line.strip()
        if not s:
            continue
        if re.fullmatch(r"\d\.\d", s):
            joined += f"\n@@{s}\n"
        elif re.fullmatch(r"Theme \d", s):
            joined += f"\n##{s[-1]}\n"
        else:
            joined += s + " "
    themes: list[dict[str, Any]] = []
    for block in joined.split("\n##")[1:]:
        head, *subs = block.split("\n@@")
        number, title = head.split("\n", 1)
        title = _tidy(title)
        theme: dict[str, Any] = {
            "theme": int(number),
            "title": re.sub(r"\s*\(Benchmarks?[^)]*\)$", "", title),
            "benchmarks": _benchmarks(title),
            "sub_themes": [],
        }
        for sub in subs:
            num, body = sub.split("\n", 1)
            body = _tidy(body)
            words = body.split(" ")
            n_title = COLLEGE_TITLE_WORDS[num]
            sub_title = " ".join(words[:n_title])
            rest = " ".join(words[n_title:])
            cuts, pos = [], (0 if num == "6.2" else 1)  # 6.2 opens with its second statement
            for start in COLLEGE_STARTS[num]:
                at = rest.find(start, pos)
                if at < 0:
                    raise ValueError(f"{MATURITY_COLLEGE} sub-theme {num}: {start!r} not found")
                cuts.append(at)
                pos = at + 1
            parts = [rest[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(rest)], strict=True)]
            statements: list[str | None] = [_list_items(p) for p in parts]
            entry: dict[str, Any] = {"number": num, "title": sub_title}
            if num == "6.2":
                assert parts[0] == "", parts[0][:40]
                statements[0] = None
                entry["note"] = MISSING_NOTE
            entry["statements"] = statements
            entry["source"] = (
                f"{MATURITY_COLLEGE}, Careers Impact System maturity model (colleges), sub-theme {num}"
            )
            theme["sub_themes"].append(entry)
        themes.append(theme)
    return {
        "version": VERSION,
        "provider_kind": "college",
        "title": "Careers Impact System maturity model: colleges",
        "source": MATURITY_COLLEGE,
        "themes": themes,
    }


# ---- writing ----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(path: Path, header: str, data: dict[str, Any]) -> None:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + text, encoding="utf-8")


def build(seeds: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = guide_lines(seeds)
    codes, grid_titles = recording_grid(lines)
    grid = summary_grid(lines)
    s5 = section5(lines)
    sections = []
    for s in s5:
        n = s["number"]
        sections.append(
            {
                "number": n,
                "title": grid["titles"][n],
                "descriptor_heading": s["heading"] or grid["titles"][n],
                "gatsby_benchmark": n,
                "descriptors": s["descriptors"],
                "notes": s["notes"],
                "source": f"{GUIDE}, Appendix 2 template 1 (Summary Grid), row {n}",
                "descriptor_source": f"{GUIDE}, section 5, {n}. {s['heading'] or grid['titles'][n]}",
            }
        )
    header = "# Generated from the seeds by criteria_index/tools/build_data.py, then reviewed by hand.\n"
    dump(
        out / "standard.yaml",
        header,
        {
            "version": VERSION,
            "title": "The Quality in Careers Standard: Assessment Guide",
            "edition": "January 2023 Edition (assessments from 16.1.2023)",
            "source": GUIDE,
            "provider_types": [
                {"id": "school", "label": "Secondary school", "variant": "school"},
                {"id": "special_school", "label": "Special school", "variant": "school"},
                {"id": "college", "label": "College (sixth form or further education)", "variant": "college"},
                {"id": "wbl", "label": "Work-based learning provider", "variant": "college"},
            ],
            "outcomes": outcomes(lines, grid),
            "sections": sections,
            "codes": codes,
        },
    )
    dump(out / "glossary.yaml", header, {"version": VERSION, "source": GUIDE, "entries": glossary(lines)})
    dump(out / "gatsby.yaml", header, {"version": VERSION, "source": TOOLKIT, "benchmarks": gatsby(seeds)})
    _ = grid_titles
    dump(out / "maturity_school.yaml", header, maturity_school(seeds))
    dump(out / "maturity_college.yaml", header, maturity_college(seeds))


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
