"""A minimal criteria-index stand-in: the 8 sections and 32 codes of Appendix 2, nothing else.

Used only when ``criteria_index.load_index`` cannot be imported, so the rules still run; it has
the attributes the engine reads (``version``, ``sections``, ``codes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.rules.loader import STANDARD_CODES

SECTION_TITLES = {
    1: "A stable careers programme",
    2: "Learning from career and labour market information",
    3: "Addressing the needs of each student",
    4: "Linking curriculum learning to careers",
    5: "Encounters with employers and employees",
    6: "Experiences of workplaces",
    7: "Encounters with further and higher education",
    8: "Personal guidance",
}


@dataclass(frozen=True)
class StandInSection:
    number: int
    title: str


@dataclass(frozen=True)
class StandInCode:
    code: str
    section: int


@dataclass(frozen=True)
class StandInIndex:
    version: str
    sections: tuple[StandInSection, ...]
    codes: tuple[StandInCode, ...]

    def codes_in(self, section: int) -> tuple[StandInCode, ...]:
        return tuple(c for c in self.codes if c.section == section)


def standin_index() -> StandInIndex:
    return StandInIndex(
        version="appendix-2-codes",
        sections=tuple(StandInSection(n, t) for n, t in SECTION_TITLES.items()),
        codes=tuple(StandInCode(c, int(c.split(".")[0])) for c in STANDARD_CODES),
    )


def criteria_index_or_standin():
    """The real criteria index when it is available, else the stand-in."""
    try:
        from criteria_index import load_index
    except ImportError:
        return standin_index()
    return load_index()
