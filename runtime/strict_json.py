"""JSON read as RFC 8259 defines it, and only what can be stored.

Python's ``json`` module is lenient where a service that stores what it reads must not be:
it accepts ``NaN`` and ``Infinity`` (not JSON), lets a repeated key silently replace the
first (two readers of one document may then disagree on its content), reads UTF-16 and
UTF-32 (RFC 8259 asks for UTF-8) and turns ``1e400`` into infinity. It also accepts text
PostgreSQL cannot hold: ``\\u0000`` and lone surrogates such as ``\\ud800``, which would
fail only at the database, as a server error. Each of these is refused here with a message
that names it, so every caller answers the same client error.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from typing import Any

# A JSON integer longer than this is no count, amount or year; Python would refuse one
# over 4,300 digits with an error that names no position.
MAX_INTEGER_DIGITS = 100
_UNICODE_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
# Escapes that may produce a NUL or a surrogate; only a body that has one is searched.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class JsonError(json.JSONDecodeError):
    """Not JSON, or JSON this service does not take. A ``JSONDecodeError``, so a framework
    that reports those reports these the same way; ``str()`` gives the position only where
    it is known."""

    def __init__(self, message: str, document: str = "", position: int | None = None) -> None:
        super().__init__(message, document, position or 0)
        if position is None:
            self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


def loads(raw: bytes | str) -> Any:
    """The value of one JSON text (bytes must be UTF-8; a UTF-8 byte order mark is
    ignored, as RFC 8259 allows)."""
    text = _text(raw) if isinstance(raw, bytes) else raw
    text = text.removeprefix("\ufeff")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except JsonError:
        raise
    except json.JSONDecodeError as exc:  # the syntax: its position is known
        raise JsonError(exc.msg, exc.doc, exc.pos) from exc
    except RecursionError as exc:
        raise JsonError("nested too deeply", text) from exc
    except ValueError as exc:  # raised by a hook below: the message says what and where
        raise JsonError(str(exc), text) from exc
    if _SUSPECT_ESCAPE.search(text):
        _check_text(value, text)
    return value


def _text(raw: bytes) -> str:
    if raw.startswith(_UNICODE_BOMS):
        raise JsonError("the text is UTF-16 or UTF-32; JSON must be sent as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonError(f"the text is not UTF-8 (invalid byte at offset {exc.start})") from exc


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} appears more than once in one object")
            seen.add(key)
    return result


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"the number {_short(literal)} is out of range")
    return value


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"the number {_short(literal)} has more than {MAX_INTEGER_DIGITS} digits")
    return int(literal)


def _short(literal: str) -> str:
    return literal if len(literal) <= 20 else f"{literal[:12]}...({len(literal)} digits)"


def _check_text(value: Any, document: str) -> None:
    for path, text in _strings(value, ""):
        where = f"the text at {path}" if path else "the text"
        if "\x00" in text:
            raise JsonError(
                f"{where} contains the NUL character (\\u0000), which no text field can hold",
                document,
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise JsonError(
                f"{where} contains a lone surrogate (\\u{ord(text[exc.start]):04x}), "
                "which is not Unicode text",
                document,
            ) from exc


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every key and string in ``value``, with its dotted path (as validation errors name
    fields)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            # The key as JSON writes it: a NUL or a surrogate in it is shown escaped.
            shown = json.dumps(key)[1:-1]
            where = f"{path}.{shown}" if path else shown
            yield where, key
            yield from _strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))
