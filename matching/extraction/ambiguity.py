"""Word-sense guard for head words that software people use in another sense.

"Maintainer of an open-source JavaScript library" is about code, not about a librarian or
library science; "framework", "archive", "collection" and "repository" have the same split.
Taxonomy labels built on these words (occupation "librarian" has the alt label "library
assistant", skills like "manage library collections") would otherwise fire on every
developer CV.

The rule is deliberately small and local, because the pipelines have no parser:

* a mention is only checked when its matched text contains one of the ambiguous lemmas below;
* it is suppressed when that word is directly modified by a technology token, i.e. the run of
  content words right before it ("JavaScript library", "open-source library",
  "React-based framework", Dutch "Python-bibliotheek"), or the word is followed by a
  parenthesis or a linking preposition that leads to one ("library (React components)",
  "library for Node.js", "bibliotheek voor React");
* modifiers inside the matched label do not count: if the taxonomy has a software sense
  ("software library", "JavaScript framework"), that label is the longer match and wins.

Technology tokens are a short, documented vocabulary plus file-extension-like forms
("node.js", "c++"); the aim is the common cases, not a full word-sense disambiguator.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from matching.extraction.pipeline import Lang

AMBIGUOUS_HEADS: dict[Lang, frozenset[str]] = {
    "en": frozenset("library framework archive collection repository".split()),
    "nl": frozenset("bibliotheek bieb framework archief collectie repository".split()),
}

TECH_WORDS = frozenset(
    """software code codebase opensource programming api apis sdk npm pip pypi maven
    gradle nuget cargo crate js javascript typescript ts python java kotlin scala ruby php perl
    rust golang swift c++ c# .net dotnet react reactjs angular vue svelte node nodejs django
    flask fastapi spring rails jquery ui ux frontend backend css html sql nosql ml component
    widget github gitlab git docker kubernetes android ios web
    broncode programmeer programmeertaal softwarebibliotheek""".split()
)
# Words that link a head to a modifier after it: "library for React", "library in Python".
_LINKS = frozenset("for in of with written built voor in van met geschreven gebouwd".split())
_WINDOW = 3  # content words looked at on either side; a noun phrase rarely has more


def is_technology(token: Token) -> bool:
    lower = token.lower_
    if lower in TECH_WORDS or token.lemma_ in TECH_WORDS:
        return True
    if lower == "source":  # only as "open source" / "open-source"
        doc, i = token.doc, token.i
        return any(doc[j].lower_ == "open" for j in range(max(0, i - 2), i))
    # "node.js", "vue.js", "c++", "f#": names that only exist in software.
    return lower.endswith((".js", ".ts", ".py", "++", "#")) and len(lower) > 2


def _is_boundary(token: Token) -> bool:
    """Where a modifier run ends: function words and punctuation other than joiners."""
    if token.text in {"-", "/"}:
        return False
    return token.is_punct or token.is_stop or token.is_space


def _left_modified(doc: Doc, index: int) -> bool:
    seen = 0
    for token in reversed(doc[max(0, index - 2 * _WINDOW) : index]):
        if _is_boundary(token) or seen >= _WINDOW:
            return False
        if token.text in {"-", "/"}:
            continue
        if is_technology(token):
            return True
        seen += 1
    return False


def _right_modified(doc: Doc, index: int) -> bool:
    if index + 1 >= len(doc):
        return False
    nxt = doc[index + 1]
    if nxt.text == "(":
        closing = next((t.i for t in doc[index + 2 :] if t.text == ")"), len(doc))
        return any(is_technology(t) for t in doc[index + 2 : min(closing, index + 2 + _WINDOW)])
    if nxt.lower_ not in _LINKS:
        return False
    start = index + 2
    if start < len(doc) and doc[start].lower_ in _LINKS:  # "written in Python"
        start += 1
    for token in doc[start : start + _WINDOW - 1]:
        if is_technology(token):
            return True
        if _is_boundary(token):
            return False
    return False


def in_technology_sense(lang: Lang, doc: Doc, start: int, end: int) -> bool:
    """True when tokens ``doc[start:end]`` (a match) use an ambiguous head in its tech sense."""
    heads = AMBIGUOUS_HEADS[lang]
    for index in range(start, end):
        if doc[index].lemma_ not in heads:
            continue
        # Only context outside the match counts; modifiers inside belong to the label itself.
        if index == start and _left_modified(doc, index):
            return True
        if index == end - 1 and _right_modified(doc, index):
            return True
    return False
