"""Build the default ESCO taxonomy bundle (matching/taxonomy/data/esco.jsonl.gz).

This service uses the ESCO classification of the European Commission. ESCO is reusable under
Commission Decision 2011/833/EU with that attribution, which the bundle header carries.

A developer tool, not used by the running service. Sources (see the README in the source folder):
Dutch occupations v1.2.0 and English occupations v1.1.1 in the official CSV format, occupation
hierarchy links, Dutch skill preferred labels (5,453 skills) and English skill text (13,939 skills)
in which the preferred label, the alternative labels and the description are run together in one
string. The skill text is split by the documented heuristic in `SkillTextSplitter`.

    .venv/bin/python scripts/build_esco_bundle.py [SOURCE_DIR] [--output PATH] [--sample N]

Output is deterministic (sorted by URI, gzip mtime 0), so a rebuild gives identical bytes.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout, without installing

from matching.taxonomy.bundle import (  # noqa: E402
    BUNDLE_PATH,
    ESCO_ATTRIBUTION,
    BundleConcept,
    BundleHeader,
    LanguageLabels,
    write_bundle,
)
from matching.taxonomy.esco_csv import ConceptRecord, read_esco_csv, split_labels  # noqa: E402

SOURCE = (
    "ESCO v1.2.0 Dutch occupations and hierarchy, v1.1.1 English occupations, v1.2 English skill "
    "text, v1.0.3 Dutch skill labels (converted copies, see shared/data/esco/README.md)"
)
LICENCE = "Commission Decision 2011/833/EU: reuse with attribution"
MAX_DESCRIPTION = 300
# A sentence ends at . ! ? followed by a capital, except after common abbreviations.
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<![A-Z])[.!?](?=\s+[A-Z\"(])")


def short_description(text: str) -> str:
    """First sentence, at most MAX_DESCRIPTION characters (cut at a word): keeps the bundle small;
    the full texts stay in the ESCO download."""
    text = " ".join(text.split())
    match = _SENTENCE_END.search(text)
    sentence = text[: match.end()] if match else text
    if len(sentence) <= MAX_DESCRIPTION:
        return sentence
    return sentence[: MAX_DESCRIPTION - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _words(text: str) -> set[str]:
    return set(text.split())


class SkillTextSplitter:
    """Splits "<preferred> <alt labels...> <Description...>" back into labels and description.

    Part 1, where the description starts. ESCO skill labels are lower case except proper names
    ("Python", "SQL Server", "Occitan"), descriptions start with a capital. A capitalised word
    starts the description only if it is an ordinary word: its lower-case form occurs somewhere in
    the corpus (proper names never do). Words that often open descriptions ("The", "Use",
    "Communicate", ...) need a lower-case neighbour; other ordinary words need both neighbours in
    lower case ("LED modules Semiconductor devices which"), so name runs like "apply Internet
    Protocol Configuration" stay labels. Text inside parentheses is never a start.

    Part 2, the preferred label, is the first label of the run, but the label borders are lost.
    Alternative labels mostly reuse the preferred label's verb ("teach X", "teaching X", "teaches
    X"): every later occurrence of the first word's stem starts a label, and aligning that label
    with the run's start shows where the preferred label ends. The word before such a label and
    the run's last word end labels. These weighted votes pick the length; a label never ends on or
    before a function word ("of", "to", ...), and never after a lone verb.
    """

    FUNCTION = frozenset(
        "a an the of to in for and or on with at by from into about as than via per its their "
        "this that these those be is are".split()
    )
    CONTINUERS = frozenset("of to for in on with and or at by from into about as under".split())
    ARTICLES = frozenset({"a", "an", "the"})
    DETERMINERS = frozenset("The A An This These Those Any All Each Every In To For".split())

    def __init__(self, texts: list[str]) -> None:
        self.lower = Counter(tok for text in texts for tok in text.split() if tok.islower())
        self.openers: Counter[str] = Counter()  # first description words where no name precedes
        for text in texts:
            toks = text.split()
            for i, tok in enumerate(toks[1:], start=1):
                if self._title(tok):
                    core = tok.rstrip(".,;:")
                    if (
                        not any(c.isupper() for c in " ".join(toks[:i]))
                        and self.lower[core.lower()]
                    ):
                        self.openers[core] += 1
                    break
        self.starters = Counter(self.stem(text.split()[0]) for text in texts if text.strip())

    @staticmethod
    def _title(tok: str) -> bool:
        # "Use", "Anti-virus", not "SQL", "JavaScript", "X-ray" or "T-brace"
        core = tok.rstrip(".,;:")
        rest = core[1:].replace("-", "").replace("'", "")
        return core in {"A", "I"} or (
            len(core) > 1 and core[0].isupper() and core[1].islower() and rest.islower()
        )

    @staticmethod
    def stem(tok: str) -> str:
        """Crude stem for matching label variants: teaches/teaching/teach, organize/organise."""
        word = tok.lower().strip(".,;:\"'").replace("iz", "is").replace("yz", "ys")
        for suffix, repl in (("ies", "y"), ("ing", ""), ("es", ""), ("ed", "")):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)] + repl
                break
        else:
            if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
                word = word[:-1]
        if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
            word = word[:-1]  # planning -> plann -> plan
        return word.rstrip("e") if len(word) > 3 else word

    def split_description(self, text: str) -> tuple[list[str], str]:
        toks = text.split()
        depth, weak = 0, -1
        for i, tok in enumerate(toks):
            if i and not depth and self._title(tok):
                core = tok.rstrip(".,;:")
                prev_low = not any(c.isupper() for c in toks[i - 1])
                nxt = toks[i + 1] if i + 1 < len(toks) else ""
                next_low = not nxt[:1].isupper()
                if core in self.DETERMINERS:
                    return toks[:i], " ".join(toks[i:])
                if not self.lower[core.lower()]:
                    pass  # a proper name such as "Occitan" or "Python"
                elif self.openers[core] >= 2 and (next_low or (prev_low and nxt[:2].isupper())):
                    return toks[:i], " ".join(toks[i:])
                elif prev_low and next_low and weak < 0:
                    weak = i
            if weak >= 0 and re.search(r"[.,;:]$", tok):
                break  # no strong start came before the weak start's first clause ended
            depth = max(0, depth + tok.count("(") - tok.count(")"))
        return (toks[:weak], " ".join(toks[weak:])) if weak > 0 else (toks, "")

    def _verb(self, tok: str) -> bool:
        tok = tok.lower()
        forms = (tok + "ing", tok[:-1] + "ing", tok + tok[-1:] + "ing")
        return any(form in self.lower for form in forms)

    def _starter(self, tok: str) -> bool:
        return self.starters[self.stem(tok)] >= 2 and self._verb(tok)

    def preferred_length(self, toks: list[str]) -> int:
        n = len(toks)
        if n <= 1:
            return n
        if any(tok.startswith("(") for tok in toks[1:4]):  # "Python (computer programming)"
            return next((i + 1 for i in range(1, min(n, 10)) if toks[i].endswith(")")), n)
        st = [self.stem(tok) for tok in toks]
        verb = self._verb(toks[0])
        votes: defaultdict[int, float] = defaultdict(float)
        starts = [j for j in range(1, n) if st[j] == st[0]]
        for rank, j in enumerate(starts):
            a, b, matched = 1, j + 1, 0
            while a < j and b < n:
                if st[a] != st[b] and toks[a].lower() in self.ARTICLES:
                    a += 1
                elif st[a] != st[b] and toks[b].lower() in self.ARTICLES:
                    b += 1
                elif st[a] == st[b] or len(_common_prefix(st[a], st[b])) >= 7:
                    a, b, matched = a + 1, b + 1, matched + 1
                else:
                    break
            # Only the last word differs ("... specific goods" / "... specific items"), or a
            # noun phrase keeps its modifier and swaps the head ("immigration law/rules").
            following = toks[a + 1] if a + 1 < n else ""
            next_starts = st[a + 1 : a + 2] == st[:1] or self._starter(following)
            last_differs = not self._starter(toks[a]) and (next_starts or not (verb or matched))
            if a < j and b < n and (a + 1 == j or last_differs):
                a += 1
            votes[a] += 2 if matched else 0.5
            if toks[j - 1].lower() not in self.FUNCTION:
                first = st.index(st[j - 1])
                if first < j - 1:
                    votes[first + 1] += 0.75
                elif rank == 0:
                    votes[j] += 0.5
        first = st.index(st[-1])
        votes[first + 1] += 0.75 if first < n - 1 else 0.5

        def valid(k: int) -> bool:
            if k == 1 and verb:
                return False
            return toks[k - 1].lower() not in self.FUNCTION and (
                k == n or toks[k].lower() not in self.CONTINUERS
            )

        for k, weight in list(votes.items()):
            if not valid(k) and k > 1:  # "... evaluation | of food products": run on to a verb
                for m in range(k + 1, n):
                    if valid(m) and (self._starter(toks[m]) or st[m] == st[0]):
                        votes[m] += weight / 2
                        break
        ranked = sorted((-weight, k) for k, weight in votes.items() if valid(k))
        return ranked[0][1] if ranked else n

    def confident_alts(self, toks: list[str], k: int) -> list[str]:
        """Labels that start with the preferred label's verb and end on its last word, of about
        its length, with no other label start inside (the run has no borders to trust)."""
        st = [self.stem(tok) for tok in toks]
        alts = []
        for j in range(k, len(toks)):
            if st[j] != st[0]:
                continue
            limit = min(len(toks), j + k + 2)
            end = next((m for m in range(j + 1, limit) if st[m] == st[k - 1]), -1)
            inner = toks[j + 1 : end + 1]
            after = toks[end + 1].lower() if 0 <= end < len(toks) - 1 else ""
            if (
                end - j + 1 >= max(2, k - 1)
                and after not in self.CONTINUERS
                and not any(st[0] == self.stem(t) or self._starter(t) for t in inner[:-1])
            ):
                alts.append(" ".join(toks[j : end + 1]))
        return alts

    def split(self, text: str) -> tuple[LanguageLabels, str]:
        toks, description = self.split_description(text)
        if not toks:  # no label run at all: keep the text as the label rather than lose it
            toks, description = text.split(), ""
        k = self.preferred_length(toks)
        preferred, run = " ".join(toks[:k]), " ".join(toks)
        alt = split_labels("\n".join(self.confident_alts(toks, k)), exclude=(preferred,))
        hidden = split_labels(run, exclude=(preferred, *alt))
        return LanguageLabels(preferred, alt, hidden), description


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _read(path: Path) -> Iterator[ConceptRecord]:
    with path.open(encoding="utf-8", newline="") as stream:
        yield from read_esco_csv(stream)


def _labels(record: ConceptRecord) -> LanguageLabels:
    return LanguageLabels(record.preferred, record.alt, record.hidden)


def occupations(source: Path) -> list[BundleConcept]:
    nl = {r.uri: r for r in _read(source / "occupations_nl_v1.2.0.csv")}
    en = {r.uri: r for r in _read(source / "occupations_en_v1.1.1.csv")}
    broader: dict[str, list[str]] = {}
    with (source / "broader_relations_occ_pillar_nl_v1.2.0.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["conceptType"] == "Occupation":
                broader.setdefault(row["conceptUri"], []).append(row["broaderUri"])
    concepts = []
    for uri in sorted(nl.keys() | en.keys()):
        records = {lang: r for lang, r in (("nl", nl.get(uri)), ("en", en.get(uri))) if r}
        group = next((r.isco_group for r in records.values() if r.isco_group), None)
        concepts.append(
            BundleConcept(
                uri=uri,
                kind="occupation",
                isco_group=group,
                broader=tuple(sorted(set(broader.get(uri, ())))),
                labels={lang: _labels(r) for lang, r in records.items()},
                description={
                    lang: short_description(r.description)
                    for lang, r in records.items()
                    if r.description
                },
            )
        )
    return concepts


def skills(source: Path, sample: int) -> tuple[list[BundleConcept], Counter[str]]:
    with (source / "skills_nl_labels.tsv").open(encoding="utf-8") as f:
        nl = dict(line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)
    with (source / "skills_en_text_v1.2.csv").open(encoding="utf-8", newline="") as f:
        en = {row["id"].strip(): row["description"] for row in csv.DictReader(f)}
    splitter = SkillTextSplitter(list(en.values()))
    stats: Counter[str] = Counter()
    concepts = []
    for uri in sorted(nl.keys() | en.keys()):
        labels, description = {}, {}
        if uri in en:
            labels["en"], text = splitter.split(en[uri])
            stats["en preferred"] += 1
            stats["en confident alt labels"] += len(labels["en"].alt)
            stats["en without description"] += not text
            if text:
                description["en"] = short_description(text)
        if nl.get(uri, "").strip():
            labels["nl"] = LanguageLabels(nl[uri].strip())
        stats["nl preferred"] += "nl" in labels
        concepts.append(BundleConcept(uri, "skill", labels=labels, description=description))
    for uri in sorted(random.Random(20240601).sample(sorted(en), min(sample, len(en)))):
        labels_en, text = splitter.split(en[uri])
        print(f"  {labels_en.preferred!r:55} alt={list(labels_en.alt)[:2]} | {text[:50]!r}")
    return concepts, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", nargs="?", type=Path, default=REPO.parent / "shared/data/esco")
    parser.add_argument("--output", type=Path, default=BUNDLE_PATH)
    parser.add_argument("--sample", type=int, default=0, help="print N skills to spot-check")
    args = parser.parse_args(argv)
    occs = occupations(args.source)
    skill_list, stats = skills(args.source, args.sample)
    header = BundleHeader(name="esco", attribution=ESCO_ATTRIBUTION, source=SOURCE, licence=LICENCE)
    count = write_bundle(args.output, header, [*occs, *skill_list])
    both = sum(1 for c in occs if {"nl", "en"} <= c.labels.keys())
    print(f"occupations: {len(occs)} ({both} with Dutch and English labels)")
    print(f"skills: {len(skill_list)}; " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.items())))
    print(f"wrote {count} concepts to {args.output} ({args.output.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
