"""Taxonomy mention extraction: skills and occupations in Dutch and English text.

``Extractor.build(labels)`` once, then ``extractor.extract(text)`` gives ``Mention`` objects
with character offsets and an evidence sentence. spaCy blank pipelines with lookup lemmas; no
trained model, nothing downloaded.
"""

from matching.extraction.extractor import Extractor, Mention, TermLabel

__all__ = ["Extractor", "Mention", "TermLabel"]
