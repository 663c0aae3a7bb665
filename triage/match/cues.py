"""Cues that tell practice from plans, absences and negations.

Embeddings place "we intend to analyse destinations next year" right beside "we analysed
destinations": these patterns are the signal a similarity score cannot give.
"""

from __future__ import annotations

import re

# Each pattern counts once per chunk; names appear in the signals for the assessor.
_INTENT = re.compile(
    r"\b(intend(s|ed)? to|plan(s|ned)? to|hope(s|d)? to|aim(s)? to|would like to|are considering|"
    r"will (be )?(introduce|introduced|develop|developed|set up|start|launch|explore|appoint|review)|"
    r"next (academic )?year|in (the )?future|from september 20\d\d|is being (developed|rebuilt|written)|"
    r"to be (confirmed|agreed|arranged|decided)|once (a|the) new|working towards|"
    r"(is|are|were|was) planning|planning to|(has|have|had) been proposed|proposed for|"
    r"(would|will) be (discussed|considered|reconsidered|explored)|under consideration|being considered)\b",
    re.I,
)
_VERBS = (
    r"(used|analysed|analyzed|assessed|recorded|measured|evaluated|shared|tracked|monitored|reviewed|"
    r"received|collected|planned|agreed|appointed|set up|introduced|started|done|carried out|in place)"
)
# "did not start" or "has not secured a place" are facts about pupils, often part of real evidence;
# only absences of the provider's own practice count.
_ABSENCE = re.compile(
    rf"\b(not yet|not currently|not at present|not in place|no longer|"
    rf"(is|are|was|were|has|have|had) not (yet )?(been )?{_VERBS}|"
    rf"(does|do|did) not (yet |currently |directly )*(have|employ|receive|collect|record|measure|assess|share|use|"
    rf"plan|review|evaluate|analyse|track|involve)|"
    rf"there (is|are) (currently |still )?no|no (formal |current |agreed )?(data|records?|objectives?|assessment|"
    rf"plan|adviser|advisor|governor|agreement|arrangement|measures?|evaluation)|"
    rf"vacant|vacancy|unfilled|awaiting|waiting for|lapsed|cancelled|postponed|paused|stepped down|"
    rf"looking for a (replacement|new)|until a new|not (yet )?in post|no replacement|yet to be (appointed|agreed)|"
    rf"not (yet )?(been )?(switched|turned) on|not (yet )?(been )?taken up|not\b[^.;]{{0,30}}\byet)\b",
    re.I,
)
_REFERRAL = re.compile(
    r"\b(referred to|deferred to|carried forward|to the next meeting|matters arising)\b", re.I
)
_MEASURE = re.compile(
    r"\b(\d+(\.\d+)?\s?(%|per ?cent)|every (pupil|student|learner)|all (pupils|students|learners)|"
    r"each (pupil|student|learner)|records?|recorded|analys(is|ed)|evaluat(ed|ion)|feedback|reviewed|"
    r"as a result|led to|so that|changed|improved)\b",
    re.I,
)


def cue_counts(text: str) -> dict[str, float]:
    """Counts of intention, absence, referral and evidence-of-practice cues in ``text``."""
    return {
        "intent": float(len(_INTENT.findall(text))),
        "absence": float(len(_ABSENCE.findall(text))),
        "referral": float(len(_REFERRAL.findall(text))),
        "practice": float(len(_MEASURE.findall(text))),
    }


def hedge_score(text: str) -> float:
    """A 0-1 share of the chunk's sentences that carry an intention or absence cue."""
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()] or [text]
    hedged = sum(1 for s in sentences if _INTENT.search(s) or _ABSENCE.search(s) or _REFERRAL.search(s))
    return hedged / len(sentences)
