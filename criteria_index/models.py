"""Frozen records for the Standard as data. Built by ``criteria_index.loader``; nothing here reads files."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Which variant sentence of the Recording Grid applies to each kind of provider.
VARIANT_KINDS = ("school", "college")


@dataclass(frozen=True)
class ProviderType:
    id: str  # school, special_school, college, wbl
    label: str
    variant: str  # "school" or "college": which Recording Grid sentence applies


@dataclass(frozen=True)
class Outcome:
    id: str  # insufficient_progress, good_progress, fully_meeting
    label: str  # section 5 wording
    grid_label: str  # Summary Grid column heading
    short_label: str  # Recording Grid column heading
    summary_note: str  # note (i)/(ii)/(iii) under the Summary Grid
    citation: str  # section 2.7 award citation; empty for insufficient progress
    meaning: str  # section 2.7 explanation
    source: str


@dataclass(frozen=True)
class Descriptor:
    """One numbered statement (i, ii, ...) of a section 5 outcome descriptor."""

    numeral: str
    text: str
    glossary_refs: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class DescriptorNote:
    """A note printed under a section 5 descriptor column (section 8 has two)."""

    label: str
    text: str
    glossary_refs: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Section:
    number: int
    title: str  # as in the Summary Grid
    descriptor_heading: str  # as in section 5, where the wording differs
    gatsby_benchmark: int
    descriptors: dict[str, tuple[Descriptor, ...]] = field(hash=False)
    notes: dict[str, tuple[DescriptorNote, ...]] = field(hash=False)
    source: str = ""


@dataclass(frozen=True)
class Code:
    code: str  # "3.4"
    section: int
    description: str
    school_text: str  # "For schools, ..." sentence of the Recording Grid, or ""
    college_text: str  # "For colleges, ..." sentence of the Recording Grid, or ""
    see_also: tuple[str, ...]
    glossary_refs: tuple[str, ...]
    source: str

    def variant(self, variant_kind: str) -> str:
        """The school or college sentence ("" when the grid has none for that kind)."""
        if variant_kind not in VARIANT_KINDS:
            raise ValueError(f"variant kind must be one of {VARIANT_KINDS}, not {variant_kind!r}")
        return self.school_text if variant_kind == "school" else self.college_text


@dataclass(frozen=True)
class GlossaryEntry:
    number: str  # "1.7"
    term: str
    text: str
    source: str


@dataclass(frozen=True)
class GatsbyBenchmark:
    number: int
    title: str
    section: int  # the Standard section that mirrors this benchmark
    what_good_looks_like: tuple[str, ...]
    notes: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class MaturitySubTheme:
    """A Careers Impact System sub-theme: four maturity statements, least to most mature."""

    provider_kind: str  # "school" or "college"
    theme: int
    theme_title: str
    number: str  # "2.4"
    title: str
    statements: tuple[str, ...]  # "" where the source grid leaves a cell blank (see note)
    note: str  # why a statement is blank or cut short in the source, if it is
    benchmarks: tuple[int, ...]  # Gatsby Benchmarks the theme names
    sections: tuple[int, ...]  # Standard sections those benchmarks mirror
    source: str


@dataclass(frozen=True)
class CriteriaIndex:
    version: str
    title: str
    edition: str
    data_dir: Path
    provider_types: tuple[ProviderType, ...]
    outcomes: tuple[Outcome, ...]
    sections: tuple[Section, ...]
    codes: tuple[Code, ...]
    glossary: tuple[GlossaryEntry, ...]
    gatsby: tuple[GatsbyBenchmark, ...]
    maturity: tuple[MaturitySubTheme, ...]

    def code(self, code: str) -> Code:
        for c in self.codes:
            if c.code == code:
                return c
        raise KeyError(
            f"unknown code {code!r} in criteria {self.version}; codes run "
            f"{self.codes[0].code}-{self.codes[-1].code} (for example 3.4)"
        )

    def has_code(self, code: str) -> bool:
        return any(c.code == code for c in self.codes)

    def section(self, number: int) -> Section:
        for s in self.sections:
            if s.number == number:
                return s
        raise KeyError(f"unknown section {number!r}; sections are 1-{len(self.sections)}")

    def codes_in(self, section: int) -> tuple[Code, ...]:
        self.section(section)
        return tuple(c for c in self.codes if c.section == section)

    def provider_type(self, provider_type: str) -> ProviderType:
        for p in self.provider_types:
            if p.id == provider_type:
                return p
        known = ", ".join(p.id for p in self.provider_types)
        raise ValueError(f"unknown provider type {provider_type!r}; expected one of: {known}")

    def text_for(self, code: str, provider_type: str) -> str:
        """The code's description plus the Recording Grid sentence for this kind of provider."""
        c = self.code(code)
        extra = c.variant(self.provider_type(provider_type).variant)
        return f"{c.description}\n{extra}" if extra else c.description

    def outcome(self, outcome_id: str) -> Outcome:
        for o in self.outcomes:
            if o.id == outcome_id:
                return o
        known = ", ".join(o.id for o in self.outcomes)
        raise KeyError(f"unknown outcome {outcome_id!r}; expected one of: {known}")

    def glossary_entry(self, number: str) -> GlossaryEntry:
        for g in self.glossary:
            if g.number == number:
                return g
        raise KeyError(f"unknown glossary entry {number!r}; entries run 1.1-1.{len(self.glossary)}")

    def benchmark(self, number: int) -> GatsbyBenchmark:
        for b in self.gatsby:
            if b.number == number:
                return b
        raise KeyError(f"unknown Gatsby Benchmark {number!r}")

    def benchmarks_for(self, section: int) -> tuple[GatsbyBenchmark, ...]:
        return tuple(b for b in self.gatsby if b.section == section)

    def maturity_for(self, section: int, provider_kind: str | None = None) -> tuple[MaturitySubTheme, ...]:
        """Careers Impact sub-themes whose theme names this section's benchmark."""
        return tuple(
            m
            for m in self.maturity
            if section in m.sections and (provider_kind is None or m.provider_kind == provider_kind)
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict of the whole index (``codes`` is a list of code dicts)."""
        return _plain(
            {
                "version": self.version,
                "title": self.title,
                "edition": self.edition,
                "provider_types": [asdict(p) for p in self.provider_types],
                "outcomes": [asdict(o) for o in self.outcomes],
                "sections": [asdict(s) for s in self.sections],
                "codes": [asdict(c) for c in self.codes],
                "glossary": [asdict(g) for g in self.glossary],
                "gatsby": [asdict(b) for b in self.gatsby],
                "maturity": [asdict(m) for m in self.maturity],
            }
        )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
