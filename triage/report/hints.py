"""What a provider could send to evidence each code, in plain English.

Used by the evidence request: one entry per code that has no confirmed evidence. Written for this
tool (not quoted from the Standard) and kept as data so an awarding body can adjust the wording
without touching the renderers. Every one of the 32 codes must have an entry (a test checks).
"""

from __future__ import annotations

EVIDENCE_HINTS: dict[str, str] = {
    "1.1": "Governing body or trustee minutes where careers was discussed, the careers strategy they "
    "approved, and the name and role of any link governor for careers.",
    "1.2": "Your Careers Leader's name, role and line of reporting to the senior team, their job "
    "description, and the time and budget set aside for the role.",
    "1.3": "Your staff training record for careers: induction and CPD sessions held, who attended, and "
    "how you check that staff feel confident in their careers role.",
    "1.4": "Your careers learning outcomes mapped to a national framework (for example the CDI Career "
    "Development Framework), year by year, with the methods used to deliver them.",
    "1.5": "Links to, or printouts of, the careers pages of your website, including the programme, the "
    "Careers Leader's contact details and your provider access statement.",
    "1.6": "Your most recent evaluation of the careers programme: feedback gathered from learners, "
    "parents, employers and partners, what it showed about impact, and what you changed.",
    "1.7": "How learners help shape the careers programme (student voice panels, careers ambassadors, "
    "surveys) and what you learned from evaluating their involvement.",
    "1.8": "Your agreement or contract with any external careers guidance service and the latest review "
    "of how well it is working. If you use no external service, say so.",
    "1.9": "The networks you take part in (careers hub, trust, professional bodies) and a note of what "
    "difference that involvement has made to your programme.",
    "2.1": "The labour market information learners use (websites, tools, displays), where it sits on your "
    "site or VLE, and lesson plans showing how learners are taught to use it.",
    "2.2": "What you offer parents and carers on using careers and labour market information: events, "
    "workshops, newsletters, and how many attended or responded.",
    "3.1": "Activities that challenge stereotypes and raise aspirations (for example role models, "
    "targeted workshops) and any review of their effect.",
    "3.2": "How records of careers advice are kept and shared with learners, such as a sample, "
    "anonymised guidance action plan or an extract from your tracking system.",
    "3.3": "How learners record their experiences and achievements (portfolio, online platform, CV "
    "work), with an anonymised example.",
    "3.4": "Your latest destinations analysis and what you changed in the careers programme as a result.",
    "3.5": "How careers advice meets the needs of disadvantaged learners, learners with SEND, young "
    "carers, looked after children and the most able: targeted plans and their outcomes.",
    "3.6": "Your partnerships with agencies that support vulnerable learners (for example the local "
    "authority, youth services, SEND teams) and how careers work is joined up with them.",
    "3.7": "Your data-sharing agreements with the local authority and other agencies, and any check you "
    "have made of whether sharing data helped the learners concerned.",
    "4.1": "Examples of subject lessons or schemes of work that link the subject to careers and to "
    "employability skills, including English, maths and STEM.",
    "4.2": "Your map of where careers learning happens across the curriculum: discrete lessons, subject "
    "lessons, tutor time and enrichment.",
    "4.3": "How careers learning is taught and assessed: lesson observations, learner self-assessments "
    "or records of progress against your careers learning outcomes.",
    "5.1": "Records of employer encounters by year group (talks, mentoring, enterprise days), showing "
    "that every learner takes part, with attendance figures.",
    "5.2": "How employer encounters are planned into the programme, with examples of preparation before "
    "and follow-up after an event.",
    "5.3": "How employers help plan and review the programme: enterprise adviser meetings, employer "
    "feedback, or changes made after their input.",
    "6.1": "Records of workplace experiences (visits, work shadowing, work experience) by year group, "
    "showing that every learner takes part.",
    "6.2": "The learning objectives set for workplace experiences and how learners reflect on and record "
    "what they learned, with any employer feedback.",
    "7.1": "Your provider access statement and a record of encounters with colleges, training providers, "
    "apprenticeship providers and universities, including university visits.",
    "7.2": "The learning objectives for encounters with further and higher education and how learners "
    "reflect on them afterwards, for example evaluation forms.",
    "8.1": "How tutors and other staff are prepared to give careers advice (training, briefings) and how "
    "learners can reach them.",
    "8.2": "Your guidance interview records: how many learners had an interview with a qualified careers "
    "adviser, by year group, and when.",
    "8.3": "The qualifications and CPD of careers staff you employ, the code of practice they follow, "
    "and how their practice is quality assured by a qualified person.",
    "8.4": "Proof that your external careers guidance provider holds the matrix Standard and that its "
    "advisers are qualified and on the CDI register.",
}
