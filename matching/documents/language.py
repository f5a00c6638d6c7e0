"""Telling Dutch from English text.

The engine reads two languages, so a function-word vote is both fast and reliable on
anything longer than a short phrase; it abstains (returns None) when the evidence is thin.
"""

from __future__ import annotations

import re

from matching.types import ContentLanguage

_WORD = re.compile(r"[a-zà-ÿ']+")

_DUTCH = frozenset(
    """de het een en van in is dat op te zijn voor met als aan er maar om ook niet door bij naar
    uit wij we je jij jouw onze ons u uw wordt worden heeft hebben kan kunnen zal zullen deze
    dit die wat wie waar hoe over tot nog meer dan zo al of wel geen mijn ik hij zij werk
    ervaring functie vacature opleiding kennis collega's team binnen graag ben bent was""".split()
)
_ENGLISH = frozenset(
    """the a an and of in is that on to be for with as at there but also not by from we you your
    our us are was were has have can could will shall this these those what who where how about
    until more than so or no my i he she they work experience role job education knowledge team
    within would should which their it its""".split()
)


def detect_language(text: str, *, min_votes: int = 3) -> ContentLanguage | None:
    """Return ``"nl"`` or ``"en"`` when the text is clearly one of them, else ``None``."""
    dutch = english = 0
    for word in _WORD.findall(text.lower()):
        if word in _DUTCH:
            dutch += 1
        if word in _ENGLISH:
            english += 1
    if max(dutch, english) < min_votes or dutch == english:
        return None
    return "nl" if dutch > english else "en"
