"""Text from CV files (PDF, DOCX, TXT), with hard bounds on size, pages and expansion.

The file type is decided by its bytes, never by the name or the declared content type.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Literal

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


def _pdf_text(content: bytes, limits: Limits) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise EncryptedDocumentError("the PDF is encrypted; upload an unprotected copy")
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
    except (EncryptedDocumentError, PayloadTooLargeError):
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedDocumentError("the PDF is encrypted; upload an unprotected copy") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise CorruptDocumentError(f"the PDF is damaged or not a PDF: {exc}") from exc
    return "\n".join(parts), page_count


def _docx_text(content: bytes, limits: Limits) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = {info.filename for info in archive.infolist()}
        expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptDocumentError(f"the DOCX archive is damaged: {exc}") from exc
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise EncryptedDocumentError("the document is encrypted; upload an unprotected copy")
    if "word/document.xml" not in names:
        raise UnsupportedMediaTypeError("the ZIP file is not a Word (DOCX) document")
    # Declared sizes bound the expansion before anything is inflated (zip bombs).
    if expanded > limits.max_decompressed_bytes:
        raise PayloadTooLargeError(
            f"the document expands to {expanded} bytes; the limit is "
            f"{limits.max_decompressed_bytes}"
        )
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(content))
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.append("  ".join(cell.text for cell in row.cells))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise CorruptDocumentError(f"the DOCX document is damaged: {exc}") from exc
    except Exception as exc:  # lxml raises its own syntax errors for broken XML parts
        if type(exc).__module__.startswith("lxml"):
            raise CorruptDocumentError(f"the DOCX document is damaged: {exc}") from exc
        raise
    return "\n".join(lines)


def _plain_text(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Windows editors still write cp1252; latin-1 would mis-read its quotes.
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise CorruptDocumentError("the text file is neither UTF-8 nor Windows-1252") from exc


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()
