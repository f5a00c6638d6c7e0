"""Text from CV files (PDF, DOCX, TXT), with hard bounds on size, pages and expansion.

The file type is decided by its bytes, never by the name or the declared content type.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from runtime.errors import PayloadTooLargeError, UnprocessableError, UnsupportedMediaTypeError

DocumentKind = Literal["pdf", "docx", "txt"]

MEDIA_TYPES: dict[DocumentKind, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
}


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pages: int
    max_decompressed_bytes: int


@dataclass(frozen=True)
class ExtractedDocument:
    filename: str
    kind: DocumentKind
    content: bytes
    text: str
    pages: int | None

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


class CorruptDocumentError(UnprocessableError):
    slug = "corrupt-document"
    title = "The file could not be read"


class EncryptedDocumentError(UnprocessableError):
    slug = "encrypted-document"
    title = "The file is encrypted"


class EmptyDocumentError(UnprocessableError):
    slug = "empty-document"
    title = "The file contains no text"


class ActiveContentError(UnprocessableError):
    slug = "active-content"
    title = "The file contains active content"


_MAX_FILENAME_CHARS = 255  # the width of candidate_documents.filename
# A Word document has tens of parts (a few hundred with many images); tens of thousands of
# entries only cost time to list.
MAX_DOCX_PARTS = 2000
# A CV's PDF has some thousands of objects; looking for active content stops well past that.
MAX_PDF_OBJECTS = 200_000
_INFLATE_CHUNK = 64 * 1024
# C0 control characters other than tab, line feed and carriage return, and DEL. PostgreSQL
# text cannot hold NUL and none of them belong in a CV; str.split() already treats the
# others (vertical tab, form feed, \x1c-\x1f) as whitespace.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x1C), 0x7F])


def clean_filename(filename: str) -> str:
    """The name without directories or control characters, short enough to be stored; a
    long name keeps its extension."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].translate(_CONTROL).strip()
    if len(name) > _MAX_FILENAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and len(suffix) <= 16:
            name = f"{stem[: _MAX_FILENAME_CHARS - len(suffix) - 1]}.{suffix}"
        else:
            name = name[:_MAX_FILENAME_CHARS]
    return name or "cv"


def detect_kind(content: bytes) -> DocumentKind:
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return "docx"
    if b"\x00" in content[:8192] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedMediaTypeError(
            "the file is neither PDF, DOCX nor plain text; upload a PDF, DOCX or TXT file"
        )
    return "txt"


def extract(filename: str, content: bytes, limits: Limits) -> ExtractedDocument:
    filename = clean_filename(filename)
    if len(content) > limits.max_bytes:
        raise PayloadTooLargeError(
            f"the file is {len(content)} bytes; the limit is {limits.max_bytes} bytes"
        )
    if not content:
        raise EmptyDocumentError("the file is empty")
    kind = detect_kind(content)
    pages: int | None = None
    if kind == "pdf":
        text, pages = _pdf_text(content, limits)
    elif kind == "docx":
        text = _docx_text(content, limits)
    else:
        text = _plain_text(content)
    text = _tidy(text)
    if not text.strip():
        hint = " (a scanned PDF without a text layer?)" if kind == "pdf" else ""
        raise EmptyDocumentError(f"no text could be extracted from the file{hint}")
    return ExtractedDocument(filename=filename, kind=kind, content=content, text=text, pages=pages)


def _pdf_errors() -> tuple[type[Exception], ...]:
    """What pypdf raises on damaged or hostile input: its own errors (LimitReachedError for
    reference loops and decompression limits among them) and plain Python errors from deep
    inside its parser."""
    from pypdf.errors import PyPdfError

    return (
        PyPdfError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        OSError,
        RecursionError,
        NotImplementedError,  # an unknown stream filter
        zlib.error,
        struct.error,
    )


def _pdf_text(content: bytes, limits: Limits) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    errors = _pdf_errors()
    try:
        # Opening an encrypted PDF already tries the empty user password; for AES that needs
        # an optional library, whose absence is reported as a DependencyError.
        reader = PdfReader(io.BytesIO(content))
    except FileNotDecryptedError as exc:
        raise EncryptedDocumentError("the PDF is encrypted; upload an unprotected copy") from exc
    except DependencyError as exc:
        if b"/Encrypt" in content:
            raise EncryptedDocumentError(
                "the PDF is encrypted; upload an unprotected copy"
            ) from exc
        raise CorruptDocumentError(f"the PDF uses a feature that cannot be read: {exc}") from exc
    except errors as exc:
        raise CorruptDocumentError(f"the PDF is damaged or not a PDF: {exc}") from exc
    if reader.is_encrypted:
        raise EncryptedDocumentError("the PDF is encrypted; upload an unprotected copy")
    try:
        active = _active_content(reader)
        if active:
            # The original file is kept with the candidate and may be opened by a recruiter
            # or passed on to other systems: it must not run anything there.
            raise ActiveContentError(
                f"the PDF contains {active}; save or print it as a plain PDF and upload that"
            )
        page_count = len(reader.pages)
        if page_count > limits.max_pages:
            raise PayloadTooLargeError(
                f"the PDF has {page_count} pages; the limit is {limits.max_pages}"
            )
        parts: list[str] = []
        total = 0
        for page in reader.pages:
            page_text = page.extract_text() or ""
            total += len(page_text.encode("utf-8"))
            if total > limits.max_decompressed_bytes:
                raise PayloadTooLargeError("the PDF expands to more text than is accepted")
            parts.append(page_text)
    except DependencyError as exc:
        raise CorruptDocumentError(f"the PDF uses a feature that cannot be read: {exc}") from exc
    except errors as exc:
        raise CorruptDocumentError(f"the PDF is damaged or not a PDF: {exc}") from exc
    return "\n".join(parts), page_count


# Actions that run code or open something outside the document (ISO 32000-1, 12.6.4).
_ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "an action that starts a program",
    "/ImportData": "an action that imports data",
    "/SubmitForm": "a form that sends data elsewhere",
}


def _active_content(reader: Any) -> str | None:
    """What active content the PDF carries (JavaScript, launch actions), found by walking
    every object reachable from the catalogue; ``None`` when there is none. Names are
    compared after pypdf has decoded them, so ``/J#61vaScript`` is found too, and objects
    packed into object streams are read like any other."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    stack: list[Any] = [reader.trailer.raw_get("/Root")]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise PayloadTooLargeError(f"the PDF has more than {MAX_PDF_OBJECTS} objects")
        if isinstance(item, DictionaryObject):
            if "/JS" in item:
                return "JavaScript"
            if "/XFA" in item:  # an XML form, whose scripts live in a stream not read here
                return "an XFA form, which can run scripts"
            action = item.raw_get("/S") if "/S" in item else None
            if isinstance(action, str) and action in _ACTIVE_ACTIONS:
                return _ACTIVE_ACTIONS[action]
            # A stream's dictionary is walked, its data is not decoded.
            stack.extend(item.raw_get(name) for name in item)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


# What zipfile raises on a damaged archive besides BadZipFile: zlib.error for a broken
# deflate stream, NotImplementedError (a RuntimeError) for an unknown compression method or
# version, EOFError and struct.error for short records.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    RuntimeError,
    EOFError,
    struct.error,
    OSError,
    ValueError,
)


def _docx_text(content: bytes, limits: Limits) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise CorruptDocumentError(f"the DOCX archive is damaged: {exc}") from exc
    if len(infos) > MAX_DOCX_PARTS:
        raise PayloadTooLargeError(
            f"the archive has {len(infos)} entries; a Word document has at most {MAX_DOCX_PARTS}"
        )
    names = {info.filename for info in infos}
    expanded = sum(info.file_size for info in infos)
    # Bit 0 of the flags marks a member encrypted with a ZIP password.
    encrypted_member = any(info.flag_bits & 0x1 for info in infos)
    if "EncryptionInfo" in names or "EncryptedPackage" in names or encrypted_member:
        raise EncryptedDocumentError("the document is encrypted; upload an unprotected copy")
    if "word/document.xml" not in names:
        raise UnsupportedMediaTypeError("the ZIP file is not a Word (DOCX) document")
    # A macro-enabled document (.docm) renamed to .docx: the macros are kept with the file.
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ActiveContentError(
            "the document contains macros; save it as a Word document (.docx) without macros"
        )
    # Declared sizes bound the expansion before anything is inflated (zip bombs).
    if expanded > limits.max_decompressed_bytes:
        raise PayloadTooLargeError(
            f"the document expands to {expanded} bytes; the limit is "
            f"{limits.max_decompressed_bytes}"
        )
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        package = _inflated(archive, infos)
    except _ZIP_ERRORS as exc:
        raise CorruptDocumentError(f"the DOCX archive is damaged: {exc}") from exc
    try:
        document = docx.Document(package)
        lines = list(_docx_lines(document))
    except (
        PackageNotFoundError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,  # a well-formed XML part that is not a Word document body
        *_ZIP_ERRORS,
    ) as exc:
        raise CorruptDocumentError(f"the DOCX document is damaged: {exc}") from exc
    except Exception as exc:  # lxml raises its own syntax errors for broken XML parts
        if type(exc).__module__.startswith("lxml"):
            raise CorruptDocumentError(f"the DOCX document is damaged: {exc}") from exc
        raise
    return "\n".join(lines)


def _inflated(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> io.BytesIO:
    """The archive again, uncompressed, for python-docx to read.

    The declared sizes were checked, but a deflate stream can run on far past its declared
    size, and python-docx inflates each part in one call: a 1 MB file could take gigabytes
    of memory before zipfile cut the output to the declared size and found the checksum
    wrong. Read here a chunk at a time, no part yields more than its declared size and a
    part whose content does not match its checksum is refused; python-docx then reads
    stored parts, which cost what they weigh."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in infos:
            if info.is_dir():
                continue
            with archive.open(info) as source, copy.open(info.filename, "w") as target:
                while chunk := source.read(_INFLATE_CHUNK):
                    target.write(chunk)
    out.seek(0)
    return out


def _docx_lines(container: Any) -> Iterator[str]:
    """Paragraphs and table rows in document order, so that a table stays in the section
    of the heading above it; one line per row. A merged cell is read once; a nested table is
    read in place."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            yield block.text
            continue
        seen: set[Any] = set()  # python-docx repeats a merged cell for each grid column/row
        for row in block.rows:
            cells: list[str] = []
            for cell in row.cells:
                if cell._tc in seen:
                    continue
                seen.add(cell._tc)
                text = "\n".join(_docx_lines(cell)).strip()
                if text:
                    cells.append(text)
            # A bar keeps cells apart for the profile parser (skills, title | organisation).
            yield " | ".join(cells)


def _plain_text(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:  # an odd length or a lone surrogate
            raise CorruptDocumentError(f"the UTF-16 text file is damaged: {exc}") from exc
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Windows editors still write cp1252; latin-1 would mis-read its quotes.
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise CorruptDocumentError("the text file is neither UTF-8 nor Windows-1252") from exc


def _tidy(text: str) -> str:
    # Windows line ends (CR LF) are one break, not a break and an empty line.
    text = text.translate(_CONTROL).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()
