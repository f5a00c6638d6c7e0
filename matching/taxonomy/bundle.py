"""The compact taxonomy bundle: gzip JSON lines, shipped inside the package as the default taxonomy.

Line 1 is a header (format, version, name, attribution, source, licence); every further line is
one concept with its labels and short descriptions per language. JSON lines rather than one JSON
document so a reader can stream ~20k concepts without building them all at once, and gzip because
label lists are very repetitive (the ESCO bundle compresses about 6x).

The ESCO bundle must keep its attribution: "This service uses the ESCO classification of the
European Commission."
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Literal, cast

__all__ = [
    "BUNDLE_PATH",
    "ESCO_ATTRIBUTION",
    "FORMAT",
    "VERSION",
    "BundleConcept",
    "BundleFormatError",
    "BundleHeader",
    "LanguageLabels",
    "read_bundle",
    "write_bundle",
]

FORMAT = "talentmesh-taxonomy"
VERSION = 1
ESCO_ATTRIBUTION = "This service uses the ESCO classification of the European Commission."
# A plain path next to the module: the package is installed unzipped (setuptools package-data
# `taxonomy/data/*`), and callers need a real file for gzip and for size/mtime checks.
BUNDLE_PATH = Path(__file__).with_name("data") / "esco.jsonl.gz"

Kind = Literal["occupation", "skill"]
_KINDS: frozenset[str] = frozenset({"occupation", "skill"})


class BundleFormatError(ValueError):
    """The file is not a talentmesh taxonomy bundle of a supported version, or a line is broken."""


@dataclass(frozen=True)
class BundleHeader:
    name: str
    attribution: str
    source: str
    licence: str
    format: str = FORMAT
    version: int = VERSION


@dataclass(frozen=True)
class LanguageLabels:
    preferred: str
    alt: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class BundleConcept:
    uri: str
    kind: Kind
    isco_group: str | None = None
    broader: tuple[str, ...] = ()
    labels: dict[str, LanguageLabels] = field(default_factory=dict)  # language code -> labels
    description: dict[str, str] = field(default_factory=dict)  # language code -> short text


def _header_from_json(line: str) -> BundleHeader:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BundleFormatError(f"line 1: header is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise BundleFormatError(f"not a {FORMAT} bundle (format {found!r})")
    if data.get("version") != VERSION:
        raise BundleFormatError(
            f"unsupported {FORMAT} version {data.get('version')!r}; this reader supports {VERSION}"
        )
    try:
        return BundleHeader(
            name=str(data["name"]),
            attribution=str(data["attribution"]),
            source=str(data.get("source", "")),
            licence=str(data.get("licence", "")),
        )
    except KeyError as exc:
        raise BundleFormatError(f"line 1: header lacks {exc.args[0]!r}") from None


def _concept_from_json(data: Any) -> BundleConcept:
    if not isinstance(data, dict) or not data.get("uri"):
        raise ValueError("not a concept object with a uri")
    if data.get("kind") not in _KINDS:
        raise ValueError(f"unknown kind {data.get('kind')!r}")
    labels = {
        str(lang): LanguageLabels(str(item["preferred"]), tuple(item["alt"]), tuple(item["hidden"]))
        for lang, item in data["labels"].items()
    }
    group = data.get("isco_group")
    return BundleConcept(
        uri=str(data["uri"]),
        kind=cast(Kind, data["kind"]),
        isco_group=None if group is None else str(group),
        broader=tuple(data.get("broader", ())),
        labels=labels,
        description={str(lang): str(text) for lang, text in data.get("description", {}).items()},
    )


def _concept_to_json(concept: BundleConcept) -> dict[str, Any]:
    return {
        "uri": concept.uri,
        "kind": concept.kind,
        "isco_group": concept.isco_group,
        "broader": list(concept.broader),
        "labels": {
            lang: {"preferred": item.preferred, "alt": list(item.alt), "hidden": list(item.hidden)}
            for lang, item in sorted(concept.labels.items())
        },
        "description": dict(sorted(concept.description.items())),
    }


def _first_line(path: Path) -> str:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            return stream.readline()
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise BundleFormatError(f"{path}: not a gzip file: {exc}") from exc


def _concepts(path: Path) -> Iterator[BundleConcept]:
    # Opened again (not kept open from the header read) so an iterator that is never consumed
    # leaves no file handle behind.
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        next(stream, None)
        for number, line in enumerate(stream, start=2):
            if not line.strip():
                continue
            try:
                yield _concept_from_json(json.loads(line))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise BundleFormatError(f"{path}: line {number}: bad concept: {exc!r}") from exc


def read_bundle(path: Path | str = BUNDLE_PATH) -> tuple[BundleHeader, Iterator[BundleConcept]]:
    """Validate the header now and return it with a lazy iterator over the concepts."""
    path = Path(path)
    first = _first_line(path)
    if not first.strip():
        raise BundleFormatError(f"{path}: empty bundle (no header line)")
    return _header_from_json(first), _concepts(path)


def write_bundle(path: Path | str, header: BundleHeader, concepts: Iterable[BundleConcept]) -> int:
    """Write the bundle deterministically (no file name or mtime in the gzip header, fixed key
    order) so rebuilding from the same sources gives identical bytes. Returns the concept count.
    The file is written next to the target and renamed, so a failed build never leaves half a
    bundle behind."""
    path = Path(path)
    if header.format != FORMAT or header.version != VERSION:
        raise BundleFormatError(f"can only write {FORMAT} version {VERSION}")
    head = {
        "format": header.format,
        "version": header.version,
        "name": header.name,
        "attribution": header.attribution,
        "source": header.source,
        "licence": header.licence,
    }
    partial = path.with_name(path.name + ".partial")
    count = 0
    try:
        with (
            partial.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
            io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as text,
        ):
            for item in chain([head], map(_concept_to_json, concepts)):
                text.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count - 1
