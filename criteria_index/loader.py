"""Read and validate one edition of the Standard from its YAML files.

An edition is a directory holding ``standard.yaml`` and ``glossary.yaml`` (required) and
``gatsby.yaml`` and ``maturity_*.yaml`` (optional). Every problem is reported as a
``CriteriaDataError`` naming the file and the item, because the person fixing it is editing YAML,
not reading Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import yaml

from criteria_index.models import (
    VARIANT_KINDS,
    Code,
    CriteriaIndex,
    Descriptor,
    DescriptorNote,
    GatsbyBenchmark,
    GlossaryEntry,
    MaturitySubTheme,
    Outcome,
    ProviderType,
    Section,
)

OUTCOME_IDS = ("insufficient_progress", "good_progress", "fully_meeting")
PROVIDER_TYPE_IDS = ("school", "special_school", "college", "wbl")
NUMERALS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
# The C loader is several times faster; fall back when PyYAML was built without libyaml. The
# matcher's query files and the rules file (also under criteria_index/) are read with it too.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CODE_RE = re.compile(r"^(\d+)\.(\d+)$")
GLOSSARY_RE = re.compile(r"^\d+\.\d+$")


class CriteriaDataError(ValueError):
    """A criteria data file is missing, malformed or inconsistent."""


class _File:
    """Helpers that report errors as 'file: item: problem'."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name

    def fail(self, where: str, problem: str) -> NoReturn:
        raise CriteriaDataError(f"{self.path}: {where}: {problem}")

    def load(self) -> dict[str, Any]:
        if not self.path.is_file():
            raise CriteriaDataError(f"{self.path}: criteria data file not found")
        try:
            data = yaml.load(self.path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        except yaml.YAMLError as exc:
            raise CriteriaDataError(f"{self.path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise CriteriaDataError(f"{self.path}: top level must be a mapping")
        return data

    def keys(
        self, where: str, item: Any, required: set[str], optional: frozenset[str] | set[str] = frozenset()
    ) -> dict:
        if not isinstance(item, dict):
            self.fail(where, f"must be a mapping, got {type(item).__name__}")
        missing = required - item.keys()
        if missing:
            self.fail(where, f"missing {', '.join(sorted(missing))}")
        unknown = item.keys() - required - optional
        if unknown:
            self.fail(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))} (a typo?)")
        return item

    def text(self, where: str, value: Any, *, allow_empty: bool = False) -> str:
        if value is None and allow_empty:
            return ""
        if not isinstance(value, str):
            self.fail(where, f"must be text, got {type(value).__name__}")
        value = value.strip()
        if not value and not allow_empty:
            self.fail(where, "must not be empty")
        return value

    def integer(self, where: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be a whole number, got {value!r}")
        return value

    def items(self, where: str, value: Any, *, allow_empty: bool = False) -> list:
        if value is None and allow_empty:
            return []
        if not isinstance(value, list):
            self.fail(where, f"must be a list, got {type(value).__name__}")
        if not value and not allow_empty:
            self.fail(where, "must not be empty")
        return value

    def refs(self, where: str, value: Any, exists: Callable[[str], bool], kind: str) -> tuple[str, ...]:
        out: list[str] = []
        for ref in self.items(where, value, allow_empty=True):
            ref = str(ref)
            if not exists(ref):
                self.fail(where, f"{kind} {ref!r} does not exist")
            if ref in out:
                self.fail(where, f"{kind} {ref!r} listed twice")
            out.append(ref)
        return tuple(out)


def load_edition(data_dir: Path) -> CriteriaIndex:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise CriteriaDataError(f"{data_dir}: criteria data directory not found")

    gfile = _File(data_dir / "glossary.yaml")
    glossary = _glossary(gfile, gfile.load())
    glossary_numbers = {g.number for g in glossary}

    sfile = _File(data_dir / "standard.yaml")
    raw = sfile.keys(
        "top level",
        sfile.load(),
        {"version", "title", "edition", "provider_types", "outcomes", "sections", "codes"},
        {"source"},
    )
    version = sfile.text("version", raw["version"])
    _same_version(gfile, gfile.load(), version)
    provider_types = _provider_types(sfile, raw["provider_types"])
    outcomes = _outcomes(sfile, raw["outcomes"])
    short = {o.id: o.short_label for o in outcomes}
    sections = _sections(sfile, raw["sections"], glossary_numbers.__contains__, short)
    codes = _codes(sfile, raw["codes"], {s.number for s in sections}, glossary_numbers.__contains__)

    section_numbers = {s.number for s in sections}
    gatsby: tuple[GatsbyBenchmark, ...] = ()
    gpath = data_dir / "gatsby.yaml"
    if gpath.exists():
        gatsby_file = _File(gpath)
        gdata = gatsby_file.load()
        _same_version(gatsby_file, gdata, version)
        gatsby = _gatsby(gatsby_file, gdata, section_numbers)
        for s in sections:
            if not any(b.number == s.gatsby_benchmark for b in gatsby):
                sfile.fail(
                    f"section {s.number}", f"gatsby_benchmark {s.gatsby_benchmark} is not in gatsby.yaml"
                )

    maturity: list[MaturitySubTheme] = []
    for mpath in sorted(data_dir.glob("maturity_*.yaml")):
        mfile = _File(mpath)
        mdata = mfile.load()
        _same_version(mfile, mdata, version)
        maturity.extend(_maturity(mfile, mdata, section_numbers))

    return CriteriaIndex(
        version=version,
        title=sfile.text("title", raw["title"]),
        edition=sfile.text("edition", raw["edition"]),
        data_dir=data_dir,
        provider_types=provider_types,
        outcomes=outcomes,
        sections=sections,
        codes=codes,
        glossary=glossary,
        gatsby=gatsby,
        maturity=tuple(maturity),
    )


def _same_version(f: _File, data: dict[str, Any], version: str) -> None:
    if data.get("version") != version:
        f.fail("version", f"is {data.get('version')!r} but standard.yaml says {version!r}")


def _provider_types(f: _File, raw: Any) -> tuple[ProviderType, ...]:
    out = []
    for i, item in enumerate(f.items("provider_types", raw)):
        where = f"provider_types[{i}]"
        f.keys(where, item, {"id", "label", "variant"})
        if item["variant"] not in VARIANT_KINDS:
            f.fail(where, f"variant must be one of {', '.join(VARIANT_KINDS)}, not {item['variant']!r}")
        out.append(
            ProviderType(
                f.text(f"{where}.id", item["id"]), f.text(f"{where}.label", item["label"]), item["variant"]
            )
        )
    ids = tuple(p.id for p in out)
    if sorted(ids) != sorted(PROVIDER_TYPE_IDS):
        f.fail("provider_types", f"must be exactly {', '.join(PROVIDER_TYPE_IDS)}; got {', '.join(ids)}")
    return tuple(out)


def _outcomes(f: _File, raw: Any) -> tuple[Outcome, ...]:
    out = []
    fields = {"id", "label", "grid_label", "short_label", "summary_note", "citation", "meaning", "source"}
    for i, item in enumerate(f.items("outcomes", raw)):
        where = f"outcomes[{i}]"
        f.keys(where, item, fields)
        oid = item["id"]
        where = f"outcome {oid!r}"
        citation = f.text(f"{where}.citation", item["citation"], allow_empty=True)
        if oid == "insufficient_progress" and citation:
            f.fail(where, "insufficient progress is not an award, so it has no citation")
        if oid != "insufficient_progress" and not citation:
            f.fail(where, "an awarded outcome needs its section 2.7 citation")
        out.append(
            Outcome(
                id=oid,
                label=f.text(f"{where}.label", item["label"]),
                grid_label=f.text(f"{where}.grid_label", item["grid_label"]),
                short_label=f.text(f"{where}.short_label", item["short_label"]),
                summary_note=f.text(f"{where}.summary_note", item["summary_note"]),
                citation=citation,
                meaning=f.text(f"{where}.meaning", item["meaning"]),
                source=f.text(f"{where}.source", item["source"]),
            )
        )
    ids = tuple(o.id for o in out)
    if ids != OUTCOME_IDS:
        f.fail("outcomes", f"must be {', '.join(OUTCOME_IDS)} in that order; got {', '.join(map(str, ids))}")
    return tuple(out)


def _sections(
    f: _File, raw: Any, glossary_exists: Callable[[str], bool], short: dict[str, str]
) -> tuple[Section, ...]:
    out = []
    fields = {
        "number",
        "title",
        "descriptor_heading",
        "gatsby_benchmark",
        "descriptors",
        "notes",
        "source",
        "descriptor_source",
    }
    for i, item in enumerate(f.items("sections", raw)):
        f.keys(f"sections[{i}]", item, fields)
        number = f.integer(f"sections[{i}].number", item["number"])
        where = f"section {number}"
        if number != i + 1:
            f.fail(where, f"sections must be numbered 1, 2, 3... in order; expected {i + 1}")
        dsource = f.text(f"{where}.descriptor_source", item["descriptor_source"])
        descriptors: dict[str, tuple[Descriptor, ...]] = {}
        rawd = item["descriptors"]
        if not isinstance(rawd, dict) or set(rawd) != set(OUTCOME_IDS):
            f.fail(f"{where}.descriptors", f"must have exactly the outcomes {', '.join(OUTCOME_IDS)}")
        for oid in OUTCOME_IDS:
            items = []
            for k, d in enumerate(f.items(f"{where}.descriptors.{oid}", rawd[oid])):
                dw = f"{where}.descriptors.{oid}[{k}]"
                f.keys(dw, d, {"numeral", "text", "glossary_refs"})
                if d["numeral"] != NUMERALS[k]:
                    f.fail(
                        dw, f"numeral is {d['numeral']!r}; expected {NUMERALS[k]!r} (numbered i, ii, iii...)"
                    )
                dw = f"{where} {oid} descriptor {d['numeral']}"
                items.append(
                    Descriptor(
                        numeral=d["numeral"],
                        text=f.text(dw, d["text"]),
                        glossary_refs=f.refs(
                            f"{dw}.glossary_refs", d["glossary_refs"], glossary_exists, "glossary entry"
                        ),
                        source=f"{dsource}, {short[oid]} {d['numeral']}",
                    )
                )
            descriptors[oid] = tuple(items)
        notes: dict[str, tuple[DescriptorNote, ...]] = {}
        rawn = item["notes"] or {}
        if not isinstance(rawn, dict) or not set(rawn) <= set(OUTCOME_IDS):
            f.fail(f"{where}.notes", f"must map outcome ids ({', '.join(OUTCOME_IDS)}) to lists of notes")
        for oid, nlist in rawn.items():
            items_n = []
            for k, n in enumerate(f.items(f"{where}.notes.{oid}", nlist)):
                nw = f"{where}.notes.{oid}[{k}]"
                f.keys(nw, n, {"label", "text", "glossary_refs"})
                label = f.text(f"{nw}.label", n["label"])
                items_n.append(
                    DescriptorNote(
                        label=label,
                        text=f.text(f"{nw}.text", n["text"]),
                        glossary_refs=f.refs(
                            f"{nw}.glossary_refs", n["glossary_refs"], glossary_exists, "glossary entry"
                        ),
                        source=f"{dsource}, {short[oid]} {label}",
                    )
                )
            notes[oid] = tuple(items_n)
        out.append(
            Section(
                number=number,
                title=f.text(f"{where}.title", item["title"]),
                descriptor_heading=f.text(f"{where}.descriptor_heading", item["descriptor_heading"]),
                gatsby_benchmark=f.integer(f"{where}.gatsby_benchmark", item["gatsby_benchmark"]),
                descriptors=descriptors,
                notes=notes,
                source=f.text(f"{where}.source", item["source"]),
            )
        )
    return tuple(out)


def _codes(
    f: _File, raw: Any, sections: set[int], glossary_exists: Callable[[str], bool]
) -> tuple[Code, ...]:
    fields = {
        "code",
        "section",
        "description",
        "school_text",
        "college_text",
        "see_also",
        "glossary_refs",
        "source",
    }
    items = f.items("codes", raw)
    all_codes: list[str] = []
    for i, item in enumerate(items):
        f.keys(f"codes[{i}]", item, fields)
        if not isinstance(item["code"], str):
            f.fail(f"codes[{i}]", f"code {item['code']!r} must be quoted text such as '1.10', not a number")
        all_codes.append(item["code"])
    out: list[Code] = []
    expected_next: dict[int, int] = {}
    for i, item in enumerate(items):
        code = all_codes[i]
        where = f"code {code}"
        m = CODE_RE.match(code)
        if not m:
            f.fail(f"codes[{i}]", f"code {code!r} must look like 3.4 (quote it in YAML so 1.10 stays 1.10)")
        section = f.integer(f"{where}.section", item["section"])
        if section not in sections:
            f.fail(where, f"section {section} is not one of the sections")
        if int(m.group(1)) != section:
            f.fail(where, f"code belongs to section {m.group(1)} but section is {section}")
        if out and section < out[-1].section:
            f.fail(where, "codes must be in section order")
        want = expected_next.get(section, 1)
        if int(m.group(2)) != want:
            f.fail(
                where, f"codes in a section must run {section}.1, {section}.2, ...; expected {section}.{want}"
            )
        expected_next[section] = want + 1
        see_also = f.refs(f"{where}.see_also", item["see_also"], all_codes.__contains__, "code")
        if code in see_also:
            f.fail(f"{where}.see_also", "a code cannot refer to itself")
        out.append(
            Code(
                code=code,
                section=section,
                description=f.text(f"{where}.description", item["description"]),
                school_text=f.text(f"{where}.school_text", item["school_text"], allow_empty=True),
                college_text=f.text(f"{where}.college_text", item["college_text"], allow_empty=True),
                see_also=see_also,
                glossary_refs=f.refs(
                    f"{where}.glossary_refs", item["glossary_refs"], glossary_exists, "glossary entry"
                ),
                source=f.text(f"{where}.source", item["source"]),
            )
        )
    empty = sorted(sections - {c.section for c in out})
    if empty:
        f.fail("codes", f"section(s) {', '.join(map(str, empty))} have no codes")
    return tuple(out)


def _glossary(f: _File, raw: dict[str, Any]) -> tuple[GlossaryEntry, ...]:
    f.keys("top level", raw, {"version", "entries"}, {"source"})
    out = []
    seen: set[str] = set()
    for i, item in enumerate(f.items("entries", raw["entries"])):
        f.keys(f"entries[{i}]", item, {"number", "term", "text", "source"})
        number = str(item["number"])
        where = f"glossary entry {number}"
        if not GLOSSARY_RE.match(number):
            f.fail(f"entries[{i}]", f"number {number!r} must look like 1.7 (quote it in YAML)")
        if number in seen:
            f.fail(where, "number used twice")
        seen.add(number)
        out.append(
            GlossaryEntry(
                number=number,
                term=f.text(f"{where}.term", item["term"]),
                text=f.text(f"{where}.text", item["text"]),
                source=f.text(f"{where}.source", item["source"]),
            )
        )
    return tuple(out)


def _gatsby(f: _File, raw: dict[str, Any], sections: set[int]) -> tuple[GatsbyBenchmark, ...]:
    f.keys("top level", raw, {"version", "benchmarks"}, {"source"})
    out = []
    for i, item in enumerate(f.items("benchmarks", raw["benchmarks"])):
        f.keys(
            f"benchmarks[{i}]",
            item,
            {"number", "title", "section", "what_good_looks_like", "source"},
            {"notes"},
        )
        number = f.integer(f"benchmarks[{i}].number", item["number"])
        where = f"benchmark {number}"
        if number != i + 1:
            f.fail(where, f"benchmarks must be numbered 1, 2, 3... in order; expected {i + 1}")
        section = f.integer(f"{where}.section", item["section"])
        if section not in sections:
            f.fail(where, f"section {section} is not a section of the Standard")
        statements = tuple(
            f.text(f"{where}.what_good_looks_like[{k}]", s)
            for k, s in enumerate(f.items(f"{where}.what_good_looks_like", item["what_good_looks_like"]))
        )
        notes = tuple(
            f.text(f"{where}.notes[{k}]", s)
            for k, s in enumerate(f.items(f"{where}.notes", item.get("notes"), allow_empty=True))
        )
        out.append(
            GatsbyBenchmark(
                number=number,
                title=f.text(f"{where}.title", item["title"]),
                section=section,
                what_good_looks_like=statements,
                notes=notes,
                source=f.text(f"{where}.source", item["source"]),
            )
        )
    return tuple(out)


def _maturity(f: _File, raw: dict[str, Any], sections: set[int]) -> list[MaturitySubTheme]:
    f.keys("top level", raw, {"version", "provider_kind", "themes"}, {"source", "title"})
    kind = raw["provider_kind"]
    if kind not in VARIANT_KINDS:
        f.fail("provider_kind", f"must be one of {', '.join(VARIANT_KINDS)}, not {kind!r}")
    out = []
    for i, theme in enumerate(f.items("themes", raw["themes"])):
        f.keys(f"themes[{i}]", theme, {"theme", "title", "benchmarks", "sub_themes"})
        tnum = f.integer(f"themes[{i}].theme", theme["theme"])
        tw = f"theme {tnum}"
        benchmarks = tuple(
            f.integer(f"{tw}.benchmarks", b)
            for b in f.items(f"{tw}.benchmarks", theme["benchmarks"], allow_empty=True)
        )
        for b in benchmarks:
            if b not in sections:
                f.fail(f"{tw}.benchmarks", f"benchmark {b} does not match a section of the Standard")
        for k, sub in enumerate(f.items(f"{tw}.sub_themes", theme["sub_themes"])):
            f.keys(f"{tw}.sub_themes[{k}]", sub, {"number", "title", "statements", "source"}, {"note"})
            number = str(sub["number"])
            sw = f"sub-theme {number}"
            if not number.startswith(f"{tnum}."):
                f.fail(sw, f"is listed under theme {tnum}")
            statements = f.items(f"{sw}.statements", sub["statements"])
            if len(statements) != 4:
                f.fail(f"{sw}.statements", f"must hold the four maturity statements, found {len(statements)}")
            note = f.text(f"{sw}.note", sub.get("note"), allow_empty=True)
            # a statement the source grid leaves blank is null, and the note must say so
            if any(st is None for st in statements) and not note:
                f.fail(f"{sw}.statements", "a null (blank) statement needs a note explaining the gap")
            out.append(
                MaturitySubTheme(
                    provider_kind=kind,
                    theme=tnum,
                    theme_title=f.text(f"{tw}.title", theme["title"]),
                    number=number,
                    title=f.text(f"{sw}.title", sub["title"]),
                    statements=tuple(
                        "" if st is None else f.text(f"{sw}.statements[{j}]", st)
                        for j, st in enumerate(statements)
                    ),
                    note=note,
                    benchmarks=benchmarks,
                    sections=benchmarks,  # benchmark n is mirrored by section n of the Standard
                    source=f.text(f"{sw}.source", sub["source"]),
                )
            )
    return out
