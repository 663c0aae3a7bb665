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
# Second set (fourth pass): announcements ("will appear on this page soon"), work still being
# prepared, wishes, and negations of what a provider does or has done. Written as general
# English patterns after reading two packs' misses; measured on six packs written later.
_INTENT_MORE = re.compile(
    r"\b(will (soon )?(appear|be (made )?available|be added|be published|be launched|be introduced|be rolled out|"
    r"be set up|follow)|coming soon|(?<!as )soon\b(?! as)|(is|are) (still )?being (prepared|designed|drafted|planned|"
    r"explored|discussed|updated|written|finalised|finalized)|still (to be|being)|in draft|(would|'d) (like|welcome|love) to|"
    r"we would like|hop(e|es|ed|ing) (to|that)|wish(es|ed)? (to|for)|(an|our|the) ambition (is )?to|aspir(e|es|ation) to|"
    r"keen to|looking (in)?to (introduc|develop|set|start|expand|extend)\w*|exploring (whether|how|the possibility)|"
    r"in discussions? (with|about)|pencilled in|(agreed|decided|asked) to (explore|look|consider|investigate|scope)|"
    r"the aim is to|(is|are) expected to (start|begin|launch))",
    re.I,
)
_NEG_VERB = (
    r"(give|offer|provide|run|hold|keep|pass|include|cover|teach|meet|attend|see|check|follow|gather|ask|"
    r"survey|consult|report|publish|contact|link|map|train)"
)
_NEG_PART = (
    r"(passed|given|offered|provided|run|held|kept|included|covered|taught|checked|followed|gathered|asked|"
    r"surveyed|consulted|reported|published|launched|completed|signed|updated|linked|mapped|trained|contacted|possible)"
)
_ABSENCE_MORE = re.compile(
    rf"\b((does|do|did) not (yet |currently |directly |formally )*{_NEG_VERB}|"
    rf"(is|are|was|were|has|have|had) not (yet |formally |currently )?(been )?{_NEG_PART}|"
    r"never (met|ran|run|happened|took place|been|started|used)|"
    r"(nobody|no one|no-one) (has|have|had|checks|checked|uses|used|reads|read|looks|looked|attends|attended|offers|"
    r"offered|came|took|knows|knew)|"
    r"only (hoped|wished|planned|proposed|pencilled)|on hold|(was|were|has been|have been) (dropped|scrapped|withdrawn|"
    r"discontinued)|unable to|could not (be )?(arranged|attend|find|agree|recruit)|not possible to)\b",
    re.I,
)
# Third set (ninth pass): practice that stopped. Batch 11's pack writers named former practice
# ("Until summer 2019 every Year 12 student had a week of work experience") as distractors and
# the matcher ranked it first. A sentence that opens "Until ... 2019" and goes on in the past
# tense is history; "the contract runs until July 2027" is not caught.
_PAST = re.compile(
    r"(^\W*until\b[^;]{0,60}?\b(19|20)\d\d\b[^.;]{0,80}?\b(had|was|were|ran|used|employed|offered|held|did|went|"
    r"took|got|came|sent|bought)\b|"
    r"\b(was|were) once\b|\bonce (was|were|part of)\b|\bformerly\b|\bat one time\b|"
    r"\b(ended|ceased|stopped|lapsed|folded|closed) (in (19|20)\d\d|when|after)\b|\bdate[sd]? (back )?(from|to) (19|20)\d\d\b)",
    re.I | re.M,
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
        "intent": float(len(_INTENT.findall(text)) + len(_INTENT_MORE.findall(text))),
        "absence": float(
            len(_ABSENCE.findall(text)) + len(_ABSENCE_MORE.findall(text)) + len(_PAST.findall(text))
        ),
        "referral": float(len(_REFERRAL.findall(text))),
        "practice": float(len(_MEASURE.findall(text))),
    }


def hedge_score(text: str) -> float:
    """A 0-1 share of the chunk's sentences that carry an intention or absence cue."""
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()] or [text]
    cues = (_INTENT, _ABSENCE, _REFERRAL, _INTENT_MORE, _ABSENCE_MORE, _PAST)
    hedged = sum(1 for s in sentences if any(c.search(s) for c in cues))
    return hedged / len(sentences)
