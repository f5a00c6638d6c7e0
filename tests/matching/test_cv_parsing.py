"""POST /v1/candidates/parse end to end on the embedded PostgreSQL.

Every file is generated here: PDFs with fpdf2 (or byte by byte where fpdf2 cannot make the
damage), DOCX files with python-docx, text files in several encodings. A file is either
parsed into a draft profile, stored with ``?create=true``, or refused with a problem, and
a refused file stores nothing.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from collections.abc import Callable
from typing import Any
from uuid import UUID

import docx
import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.problems import PROBLEM_MEDIA_TYPE, problem_type
from models import Candidate, CandidateDocument
from tests.conftest import KeyMaker, bearer

PARSE = "/v1/candidates/parse"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # Settings.max_upload_bytes
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ENGLISH_CV = [
    "Anna de Vries",
    "Python developer and digital archivist",
    "anna.devries@example.org",
    "+31 6 12345678",
    "Experience",
    "Python Developer at Stadsarchief Amsterdam, 2019 - present",
    "Built the linked data platform for the city archive and its public search.",
    "Education",
    "MSc Computer Science, University of Amsterdam, 2015",
    "Skills",
    "Python, SQL, Linked Data",
    "Languages",
    "Dutch, English",
]

ENGLISH_PROFILE: dict[str, Any] = {
    "external_id": None,
    "name": "Anna de Vries",
    "email": "anna.devries@example.org",
    "phone": "+31 6 12345678",
    "headline": "Python developer and digital archivist",
    "website": None,
    "profiles": [],
    "summary": "",
    "language": "en",
    "skills": ["Python", "SQL", "Linked Data"],
    "languages": ["nl", "en"],
    "location": None,
    "remote": False,
    "experience": [
        {
            "title": "Python Developer",
            "organisation": "Stadsarchief Amsterdam",
            # A bare year is read as its January.
            "start": "2019-01",
            "end": None,
            "description": (
                "Built the linked data platform for the city archive and its public search."
            ),
            "highlights": [],
        }
    ],
    "education": [
        {
            "degree": "MSc Computer Science",
            "field": None,
            "institution": "University of Amsterdam",
            "year": 2015,
        }
    ],
    "consent": None,
}

DUTCH_CV_TEXT = "\n".join(
    [
        "Pieter Jansen",
        "Docent geschiedenis met een passie voor erfgoed",
        "pieter.jansen@example.nl",
        "06-12345678",
        "Werkervaring",
        "Docent geschiedenis bij Stedelijk Gymnasium Leiden, sep 2015 - heden",
        "Ik geef les in de bovenbouw en ben mentor van een klas in het examenjaar.",
        "Opleiding",
        "Master Geschiedenis, Universiteit Leiden, 2014",
        "Vaardigheden",
        # The table: one line per row, cells apart, the merged row once.
        "Didactiek | Archiefonderzoek",
        "Klassenmanagement | Excel",
        "Onderwijskunde",
        "Talen",
        "Nederlands (moedertaal), Engels (vloeiend)",
    ]
)

TEXT_CV = [
    "José Martínez",
    "Café-eigenaar en barista",
    "jose.martinez@example.nl",
    "Profiel",
    "Ik ben een “gastvrije” ondernemer met een passie voor koffie.",
    "Werkervaring",
    "Eigenaar bij Café Één, mrt 2018 - heden",
    "Vaardigheden",
    "Koffiebranden, Latte art",
]


# --- files --------------------------------------------------------------------------------


def pdf_file(pages: list[list[str]]) -> bytes:
    """A PDF with one text line per cell; an empty list is a page without any text."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def english_cv_pdf() -> bytes:
    return pdf_file([ENGLISH_CV])


def raw_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF written object by object, with a correct cross-reference table, for structures
    that fpdf2 will not write."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %b >>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _one_page_pdf(contents_dict: bytes) -> bytes:
    content = b"BT /F1 12 Tf 72 720 Td (Anna de Vries) Tj ET"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d %b >>\nstream\n%b\nendstream" % (len(content), contents_dict, content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def _hex(size: int, byte: int) -> bytes:
    return b"<" + (bytes([byte]) * size).hex().encode() + b">"


def aes256_encrypted_pdf() -> bytes:
    """A PDF encrypted with the standard security handler, revision 6 (AES-256). pypdf cannot
    write one without its optional crypto library; only the /Encrypt dictionary matters,
    because opening the file already tries the empty user password."""
    keys = {b"O": _hex(48, 1), b"U": _hex(48, 2), b"OE": _hex(32, 3), b"UE": _hex(32, 4)}
    encrypt = (
        b"<< /Filter /Standard /V 5 /R 6 /Length 256 /P -4 "
        b"/CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV3 /Length 32 >> >> "
        b"/StmF /StdCF /StrF /StdCF /Perms "
        + _hex(16, 5)
        + b"".join(b" /%b %b" % item for item in keys.items())
        + b" >>"
    )
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            encrypt,
        ],
        trailer=b"/Encrypt 4 0 R /ID [" + _hex(16, 6) + b" " + _hex(16, 6) + b"]",
    )


def rc4_encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(english_cv_pdf())))
    writer.encrypt("geheim")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def dutch_cv_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Pieter Jansen")
    document.add_paragraph("Docent geschiedenis met een passie voor erfgoed")
    document.add_paragraph("pieter.jansen@example.nl")
    document.add_paragraph("06-12345678")
    document.add_heading("Werkervaring", level=1)
    document.add_paragraph("Docent geschiedenis bij Stedelijk Gymnasium Leiden, sep 2015 - heden")
    document.add_paragraph(
        "Ik geef les in de bovenbouw en ben mentor van een klas in het examenjaar."
    )
    document.add_heading("Opleiding", level=1)
    document.add_paragraph("Master Geschiedenis, Universiteit Leiden, 2014")
    document.add_heading("Vaardigheden", level=1)
    # A skills table in the middle of the document, with a merged last row.
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "Didactiek"
    table.cell(0, 1).text = "Archiefonderzoek"
    table.cell(1, 0).text = "Klassenmanagement"
    table.cell(1, 1).text = "Excel"
    table.cell(2, 0).merge(table.cell(2, 1)).text = "Onderwijskunde"
    document.add_heading("Talen", level=1)
    document.add_paragraph("Nederlands (moedertaal), Engels (vloeiend)")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_file(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_zip_bomb() -> bytes:
    """word/document.xml and 60 MB of zeros, deflated to some 60 KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        with archive.open("word/media/zeros.bin", "w") as member:
            for _ in range(60):
                member.write(bytes(1024 * 1024))
    return out.getvalue()


def _docx_member_offsets(content: bytes, name: str) -> tuple[int, int]:
    """Where the member's compressed data starts, and where its central directory entry does."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(name)
    name_length, extra_length = struct.unpack_from("<HH", content, info.header_offset + 26)
    data_start = info.header_offset + 30 + name_length + extra_length
    central = content.find(b"PK\x01\x02")
    while central != -1:
        (entry_name_length,) = struct.unpack_from("<H", content, central + 28)
        if content[central + 46 : central + 46 + entry_name_length] == name.encode():
            return data_start, central
        central = content.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{name} has no central directory entry")


def docx_with_broken_deflate() -> bytes:
    """The first byte of document.xml's deflate stream names the reserved block type 3."""
    content = bytearray(dutch_cv_docx())
    data_start, _ = _docx_member_offsets(bytes(content), "word/document.xml")
    content[data_start] = 0x07  # BFINAL=1, BTYPE=11
    return bytes(content)


def docx_with_password_protected_member() -> bytes:
    """document.xml flagged as encrypted with a ZIP password (general purpose bit 0)."""
    content = bytearray(dutch_cv_docx())
    _, central = _docx_member_offsets(bytes(content), "word/document.xml")
    content[central + 8] |= 0x01
    return bytes(content)


def docx_without_word_body() -> bytes:
    """A complete DOCX package whose main part is well-formed XML but no Word document."""
    source = zipfile.ZipFile(io.BytesIO(dutch_cv_docx()))
    members = {info.filename: source.read(info.filename) for info in source.infolist()}
    members["word/document.xml"] = b'<?xml version="1.0"?><root/>'
    return zip_file(members)


# --- requests -----------------------------------------------------------------------------


def upload(
    client: TestClient,
    headers: dict[str, str],
    filename: str,
    content: bytes,
    *,
    create: bool = False,
    media_type: str = "application/octet-stream",
) -> Any:  # the TestClient's response (httpx or httpx2, by Starlette version)
    return client.post(
        PARSE,
        headers=headers,
        params={"create": "true"} if create else None,
        files={"file": (filename, content, media_type)},
    )


def stored(db: Session) -> tuple[int, int]:
    """Rows in candidates and candidate_documents."""
    candidates = db.scalar(select(func.count()).select_from(Candidate))
    documents = db.scalar(select(func.count()).select_from(CandidateDocument))
    return candidates or 0, documents or 0


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type(slug)
    assert body["status"] == status
    return body


# --- parsing ------------------------------------------------------------------------------


def test_english_pdf_is_parsed_into_a_draft_and_nothing_is_stored(client, admin, db):
    before = stored(db)
    response = upload(client, admin, "anna-de-vries.pdf", english_cv_pdf(), media_type="x/y")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filename"] == "anna-de-vries.pdf"
    assert body["kind"] == "pdf"
    assert body["pages"] == 1
    assert body["language"] == "en"
    assert body["text"] == "\n".join(ENGLISH_CV)
    assert body["profile"] == ENGLISH_PROFILE
    assert body["candidate"] is None
    assert "location" not in response.headers
    assert stored(db) == before


def test_dutch_docx_with_a_table_is_parsed(client, admin, db):
    before = stored(db)
    # The name says PDF: the kind is decided by the bytes.
    response = upload(client, admin, "cv-pieter.pdf", dutch_cv_docx(), media_type=DOCX_MEDIA_TYPE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "docx"
    assert body["pages"] is None
    assert body["language"] == "nl"
    assert body["text"] == DUTCH_CV_TEXT
    assert body["profile"] == {
        "external_id": None,
        "name": "Pieter Jansen",
        "email": "pieter.jansen@example.nl",
        "phone": "06-12345678",
        "headline": "Docent geschiedenis met een passie voor erfgoed",
        "website": None,
        "profiles": [],
        "summary": "",
        "language": "nl",
        # The table's cells, read under the heading it stands under.
        "skills": ["Didactiek", "Archiefonderzoek", "Klassenmanagement", "Excel", "Onderwijskunde"],
        "languages": ["nl", "en"],
        "location": None,
        "remote": False,
        "experience": [
            {
                "title": "Docent geschiedenis",
                "organisation": "Stedelijk Gymnasium Leiden",
                "start": "2015-09",
                "end": None,
                "description": (
                    "Ik geef les in de bovenbouw en ben mentor van een klas in het examenjaar."
                ),
                "highlights": [],
            }
        ],
        "education": [
            {
                "degree": "Master Geschiedenis",
                "field": None,
                "institution": "Universiteit Leiden",
                "year": 2014,
            }
        ],
        "consent": None,
    }
    assert stored(db) == before


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [("utf-8", "\n"), ("utf-8-sig", "\n"), ("cp1252", "\r\n"), ("utf-16", "\r\n")],
)
def test_text_cv_in_each_encoding_is_parsed(client, admin, db, encoding, newline):
    content = newline.join(TEXT_CV).encode(encoding)
    if encoding == "cp1252":
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    before = stored(db)
    response = upload(client, admin, "cv.txt", content, media_type="text/plain")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "txt"
    assert body["pages"] is None
    assert body["language"] == "nl"
    assert body["text"] == "\n".join(TEXT_CV)
    profile = body["profile"]
    assert profile["name"] == "José Martínez"
    assert profile["headline"] == "Café-eigenaar en barista"
    assert profile["email"] == "jose.martinez@example.nl"
    assert profile["summary"] == "Ik ben een “gastvrije” ondernemer met een passie voor koffie."
    assert profile["experience"] == [
        {
            "title": "Eigenaar",
            "organisation": "Café Één",
            "start": "2018-03",
            "end": None,
            "description": "",
            "highlights": [],
        }
    ]
    assert profile["skills"] == ["Koffiebranden", "Latte art"]
    assert stored(db) == before


def test_cv_title_date_ranges_and_long_histories_do_not_spoil_the_draft(client, admin):
    lines = [
        "Curriculum Vitae",
        "Sanne Bakker",
        "Archivaris",
        "Werkervaring",
        *(f"Archivaris bij Archief {n}, 01-{1900 + n} - 06-{1900 + n}" for n in range(101)),
        "Personalia",
        "Telefoon: 030-2345678",
    ]
    response = upload(client, admin, "cv.txt", "\n".join(lines).encode())
    assert response.status_code == 200, response.text
    profile = response.json()["profile"]
    assert profile["name"] == "Sanne Bakker"
    assert profile["headline"] == "Archivaris"
    # The first date range looks like a phone number; the real number comes last.
    assert profile["phone"] == "030-2345678"
    # 101 entries: the first 100 are kept, rather than none for being one too many.
    assert len(profile["experience"]) == 100
    assert profile["experience"][0] == {
        "title": "Archivaris",
        "organisation": "Archief 0",
        "start": "1900-01",
        "end": "1900-06",
        "description": "",
        "highlights": [],
    }
    assert profile["experience"][-1]["organisation"] == "Archief 99"


# --- storing ------------------------------------------------------------------------------


def test_create_stores_the_candidate_with_the_original_file(client, admin, db):
    pdf = english_cv_pdf()
    before = stored(db)
    response = upload(
        client, admin, "anna-de-vries.pdf", pdf, create=True, media_type="application/pdf"
    )
    assert response.status_code == 201, response.text
    body = response.json()
    candidate = body["candidate"]
    candidate_id = candidate["id"]
    assert response.headers["location"] == f"/v1/candidates/{candidate_id}"
    assert body["profile"] == ENGLISH_PROFILE
    assert {key: candidate[key] for key in ENGLISH_PROFILE} == ENGLISH_PROFILE

    fetched = client.get(f"/v1/candidates/{candidate_id}", headers=admin)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == candidate

    assert stored(db) == (before[0] + 1, before[1] + 1)
    documents = db.scalars(
        select(CandidateDocument).where(CandidateDocument.candidate_id == UUID(candidate_id))
    ).all()
    assert len(documents) == 1
    document = documents[0]
    assert document.content == pdf
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.size_bytes == len(pdf)
    assert document.filename == "anna-de-vries.pdf"
    assert document.media_type == "application/pdf"
    assert document.text == body["text"]
    row = db.get(Candidate, UUID(candidate_id))
    assert row is not None
    assert row.organisation_id == document.organisation_id

    again = upload(
        client, admin, "anna-de-vries.pdf", pdf, create=True, media_type="application/pdf"
    )
    problem = assert_problem(again, 409, "conflict")
    assert problem["existing_id"] == candidate_id
    assert stored(db) == (before[0] + 1, before[1] + 1)


def test_create_stores_a_docx_with_its_media_type(client, admin, db):
    content = dutch_cv_docx()
    response = upload(client, admin, "cv.docx", content, create=True)
    assert response.status_code == 201, response.text
    candidate_id = UUID(response.json()["candidate"]["id"])
    document = db.scalars(
        select(CandidateDocument).where(CandidateDocument.candidate_id == candidate_id)
    ).one()
    assert document.media_type == DOCX_MEDIA_TYPE
    assert document.content == content
    assert document.text == DUTCH_CV_TEXT


def test_create_stores_text_with_nul_bytes_and_an_overlong_filename(client, admin, db):
    # Only the first 8 KiB are checked for NUL bytes; PostgreSQL text cannot hold one.
    content = b"Jan Jansen\nDocent\njan.jansen@example.nl\n" + b"x" * 9000 + b"\x00tail\n"
    filename = "c" * 300 + ".txt"
    response = upload(client, admin, filename, content, create=True)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["filename"] == "c" * 251 + ".txt"
    assert body["text"] == "Jan Jansen\nDocent\njan.jansen@example.nl\n" + "x" * 9000 + "tail"
    document = db.scalars(
        select(CandidateDocument).where(
            CandidateDocument.candidate_id == UUID(body["candidate"]["id"])
        )
    ).one()
    assert document.content == content
    assert document.filename == body["filename"]
    assert "\x00" not in document.text


# --- rejections ---------------------------------------------------------------------------


def _truncated_pdf() -> bytes:
    pdf = english_cv_pdf()
    return pdf[: len(pdf) // 2]


REJECTIONS: list[Any] = [
    pytest.param("cv.pdf", _truncated_pdf, 422, "corrupt-document", id="truncated-pdf"),
    pytest.param("cv.pdf", lambda: b"%PDF-1.4 garbage", 422, "corrupt-document", id="garbage-pdf"),
    pytest.param(
        "cv.pdf",
        lambda: _one_page_pdf(b"/Filter /NoSuchDecode"),
        422,
        "corrupt-document",
        id="pdf-unknown-filter",
    ),
    pytest.param("cv.pdf", rc4_encrypted_pdf, 422, "encrypted-document", id="encrypted-pdf"),
    pytest.param(
        "cv.pdf", aes256_encrypted_pdf, 422, "encrypted-document", id="aes256-encrypted-pdf"
    ),
    pytest.param(
        "cv.pdf",
        lambda: pdf_file([[]]),
        422,
        "empty-document",
        id="pdf-without-text",
    ),
    pytest.param(
        "cv.txt",
        lambda: b"a" * (MAX_UPLOAD_BYTES + 1),
        413,
        "payload-too-large",
        id="file-one-byte-over-10mb",
    ),
    pytest.param(
        "cv.txt",
        lambda: b"a" * (12 * 1024 * 1024),
        413,
        "payload-too-large",
        id="request-over-the-body-limit",
    ),
    pytest.param(
        "cv.pdf",
        lambda: pdf_file([[f"Page {n}"] for n in range(1, 52)]),
        413,
        "payload-too-large",
        id="pdf-51-pages",
    ),
    pytest.param("cv.docx", docx_zip_bomb, 413, "payload-too-large", id="docx-zip-bomb"),
    pytest.param(
        "cv.docx", docx_with_broken_deflate, 422, "corrupt-document", id="docx-broken-deflate"
    ),
    pytest.param(
        "cv.docx",
        docx_with_password_protected_member,
        422,
        "encrypted-document",
        id="docx-zip-password",
    ),
    pytest.param(
        "cv.docx", docx_without_word_body, 422, "corrupt-document", id="docx-without-body"
    ),
    pytest.param(
        "cv.docx",
        lambda: zip_file({"readme.txt": b"not a Word document", "data.csv": b"a,b\n1,2\n"}),
        415,
        "unsupported-media-type",
        id="zip-not-docx",
    ),
    pytest.param(
        "cv.txt",
        lambda: b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8,
        415,
        "unsupported-media-type",
        id="binary-blob",
    ),
    pytest.param("cv.txt", lambda: b"", 422, "empty-document", id="empty-file"),
    pytest.param("cv.txt", lambda: b" \n\t\r\n", 422, "empty-document", id="whitespace-only"),
    pytest.param(
        "cv.txt",
        lambda: b"\xff\xfeA\x00B",
        422,
        "corrupt-document",
        id="utf16-odd-length",
    ),
    pytest.param(
        "cv.txt",
        lambda: b"Jan Jansen \x81\x8d\x8f\x90\x9d",
        422,
        "corrupt-document",
        id="neither-utf8-nor-cp1252",
    ),
]


@pytest.mark.parametrize(("filename", "make", "status", "slug"), REJECTIONS)
def test_rejected_files_store_nothing(
    client: TestClient,
    admin: dict[str, str],
    db: Session,
    filename: str,
    make: Callable[[], bytes],
    status: int,
    slug: str,
) -> None:
    content = make()
    before = stored(db)
    response = upload(client, admin, filename, content, create=True)
    body = assert_problem(response, status, slug)
    assert body["instance"] == PARSE
    assert body["detail"]
    assert "location" not in response.headers
    assert stored(db) == before


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("create", [False, True])
def test_parsing_needs_the_candidates_write_scope(client, make_key: KeyMaker, db, create):
    headers = bearer(make_key(scopes="candidates:read"))
    before = stored(db)
    response = upload(client, headers, "cv.pdf", english_cv_pdf(), create=create)
    body = assert_problem(response, 403, "forbidden")
    assert "candidates:write" in body["detail"]
    assert stored(db) == before


def test_parsing_needs_an_api_key(client, db):
    before = stored(db)
    response = upload(client, {}, "cv.pdf", english_cv_pdf(), create=True)
    assert_problem(response, 401, "unauthenticated")
    assert stored(db) == before
