"""ESCO occupations and skills, in Dutch and English, for the benchmark profiles.

``bench/profiles.py`` composes profiles from a hand-written vocabulary per field; when the
ESCO files are beside the checkout (``../shared/data/esco``, as in CI) this module adds, per
field, the ESCO occupations of that field's ISCO groups (the same concept in both languages,
joined on the concept URI) as job titles and the ESCO skills whose text names the field as
skills. The service never reads these files; only benchmarks do.

"This service uses the ESCO classification of the European Commission."
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ESCO = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "esco"

# ISCO-08 unit groups whose occupations belong to each field of bench/profiles.py.
ISCO_GROUPS: dict[str, tuple[str, ...]] = {
    "it": ("2511", "2512", "2513", "2514", "2519", "2521", "2522", "2523", "2529"),
    "teaching": ("2320", "2330", "2341", "2342", "2351", "2352", "2353", "2354", "2355"),
    "library": ("2621", "2622", "4411", "3433"),
    "editing": ("2641", "2642", "2643"),
    "community": ("2431", "2432"),
    "healthcare": ("2221", "2222", "3221", "2264", "2265", "2269"),
    "finance": ("2411", "2412", "2413", "3313", "4311"),
    "hr": ("2423", "2424", "3333", "1212"),
}

# Words in an ESCO skill's English text that tie it to a field.
SKILL_WORDS: dict[str, tuple[str, ...]] = {
    "it": ("software", "programming", "database", "ict ", "computer", "web ", "network"),
    "teaching": ("teach", "pupil", "lesson", "curriculum", "classroom"),
    "library": ("library", "librar", "archiv", "catalogu", "metadata", "collection"),
    "editing": ("edit", "manuscript", "proofread", "publish", "journalis", "translat"),
    "community": ("social media", "community", "online engagement", "volunteer", "campaign"),
    "healthcare": ("patient", "nurs", "clinical", "healthcare", "medication"),
    "finance": ("financ", "accounting", "budget", "tax ", "invoice", "bookkeep"),
    "hr": ("recruit", "personnel", "human resource", "payroll", "employee"),
}

_LABEL = re.compile(r"^[a-z0-9][a-z0-9 ,'/()-]*$")
# Verbs that open most ESCO skill labels: where one appears again after the first word, the
# next alternative label has begun.
_OPENING_VERBS = frozenset(
    "manage handle use perform conduct operate develop provide ensure maintain apply carry "
    "evaluate assess execute utilise oversee coordinate supervise monitor govern undertake "
    "create prepare treat exercise educate control organise implement administer analyse "
    "direct plan run lead work advise support teach train design write edit check keep "
    "follow identify establish deliver promote collaborate cooperate liaise communicate".split()
)


@dataclass(frozen=True)
class FieldWords:
    titles: dict[str, tuple[str, ...]]  # by language
    skills: dict[str, tuple[str, ...]]


def available() -> bool:
    return (ESCO / "occupations_nl_v1.2.0.csv").is_file()


def _labels_head(text: str) -> str:
    """The labels at the head of a skill's run-together text: the words before the first
    capital, where the description begins."""
    words: list[str] = []
    for word in text.split():
        if word[0].isupper():
            break
        words.append(word)
    return " ".join(words)


def _english_label(head: str) -> str | None:
    """The preferred label: the head up to the first word that repeats or an opening verb
    after the first word (where the alternative labels begin)."""
    words: list[str] = []
    for word in head.split():
        if word in words or (words and word in _OPENING_VERBS):
            break
        words.append(word)
    label = " ".join(words)
    return label if 1 <= len(words) <= 5 and _LABEL.match(label) else None


def _occupations() -> dict[str, dict[str, list[str]]]:
    """Per field: ESCO occupation labels in Dutch and English."""
    english: dict[str, tuple[str, str]] = {}
    with (ESCO / "occupations_en_v1.1.1.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            english[row["ORIGINURI"]] = (row["ISCOGROUPCODE"], row["PREFERREDLABEL"])
    found: dict[str, dict[str, list[str]]] = {f: {"nl": [], "en": []} for f in ISCO_GROUPS}
    with (ESCO / "occupations_nl_v1.2.0.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pair = english.get(row["conceptUri"])
            if pair is None:
                continue
            group, label_en = pair
            for field, groups in ISCO_GROUPS.items():
                if group in groups:
                    found[field]["nl"].append(row["preferredLabel"])
                    found[field]["en"].append(label_en)
    return found


def _skills() -> dict[str, dict[str, list[str]]]:
    dutch: dict[str, str] = {}
    with (ESCO / "skills_nl_labels.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            uri, _, label = line.rstrip("\n").partition("\t")
            dutch[uri] = label
    found: dict[str, dict[str, list[str]]] = {f: {"nl": [], "en": []} for f in SKILL_WORDS}
    with (ESCO / "skills_en_text_v1.2.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label_nl = dutch.get(row["id"])
            head = _labels_head(row["description"])
            label_en = _english_label(head)
            if label_nl is None or label_en is None:
                continue
            labels = f" {head} "
            for field, words in SKILL_WORDS.items():
                if any(word in labels for word in words):
                    found[field]["nl"].append(label_nl)
                    found[field]["en"].append(label_en)
    return found


@lru_cache(maxsize=1)
def field_words() -> dict[str, FieldWords]:
    """ESCO titles and skills per field, sorted so a seed always draws the same ones; empty
    when the ESCO files are not there."""
    if not available():
        return {}
    occupations, skills = _occupations(), _skills()
    return {
        field: FieldWords(
            titles={lang: tuple(sorted(set(occupations[field][lang]))) for lang in ("nl", "en")},
            skills={lang: tuple(sorted(set(skills[field][lang]))) for lang in ("nl", "en")},
        )
        for field in ISCO_GROUPS
    }
