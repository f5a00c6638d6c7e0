"""Split vacancies and candidates into the sections that are embedded and searched.

Each section is embedded on its own (a summary, each experience, the skills) so a long
profile is not truncated into one blurred vector, and an explanation can point at the
section that matched. Long sections are cut into chunks the model sees whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matching.fairness import neutralise
from models import Candidate, Vacancy

# all-MiniLM-L6-v2 reads 256 word pieces; about 150 words stay safely inside that.
CHUNK_WORDS = 150


# The sections each owner kind has, besides one "skill" section per skill (indexing/).
CANDIDATE_SECTIONS = ("summary", "experience", "skills", "education")
VACANCY_SECTIONS = ("title", "description", "skills")
# The candidate sections that begin with a job title, whose graphs hold the occupation names
# as waypoints (waypoints.py).
WAYPOINT_SECTIONS = ("summary", "experience")


@dataclass(frozen=True)
class Section:
    name: str  # one of CANDIDATE_SECTIONS or VACANCY_SECTIONS, or "skill"
    position: int
    text: str
    field: str  # where the text came from, for explanations: "experience[2]"


def _chunks(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS)]


def _add(sections: list[Section], name: str, text: str, field: str) -> None:
    for chunk in _chunks(text):
        position = sum(1 for s in sections if s.name == name)
        sections.append(Section(name, position, chunk, field))


def _experience_text(item: dict[str, Any]) -> str:
    title = item.get("title") or ""
    organisation = item.get("organisation") or ""
    heading = f"{title} ({organisation})" if organisation else title
    return f"{heading}. {item.get('description') or ''}".strip()


def candidate_sections(candidate: Candidate) -> list[Section]:
    names = [candidate.name]
    sections: list[Section] = []
    summary = "\n".join(p for p in (candidate.headline, candidate.summary) if p)
    _add(sections, "summary", neutralise(summary, names), "summary")
    for index, item in enumerate(candidate.experience):
        _add(
            sections,
            "experience",
            neutralise(_experience_text(item), names),
            f"experience[{index}]",
        )
    if candidate.skills:
        _add(sections, "skills", neutralise(", ".join(candidate.skills), names), "skills")
    education = "; ".join(
        " ".join(str(e.get(k)) for k in ("degree", "field", "institution") if e.get(k))
        for e in candidate.education
    )
    _add(sections, "education", neutralise(education, names), "education")
    return sections


def vacancy_sections(vacancy: Vacancy) -> list[Section]:
    sections: list[Section] = []
    _add(sections, "title", neutralise(vacancy.title), "title")
    _add(sections, "description", neutralise(vacancy.description), "description")
    skills = [*vacancy.required_skills, *vacancy.nice_to_have_skills]
    if skills:
        _add(sections, "skills", neutralise(", ".join(skills)), "skills")
    return sections


def search_text(sections: list[Section]) -> str:
    """The lexical search document: the same neutralised text the embeddings see."""
    return "\n".join(section.text for section in sections)
