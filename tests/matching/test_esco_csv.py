"""The ESCO CSV reader against small files in the official download format."""

from __future__ import annotations

import io

import pytest

from matching.taxonomy.esco_csv import ConceptRecord, EscoFormatError, read_esco_csv

OFFICIAL = (
    "\ufeffconceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,"
    "description,code\n"
    "Occupation,http://data.europa.eu/esco/occupation/lib,2622,bibliothecaris,"
    '"bibliothecaresse\n  Bibliothecaris \nbibliotheekmedewerker\n\nBIBLIOTHECARESSE",'
    '"bieb-medewerker\nbibliotheekmedewerker",released,"Bibliothecarissen beheren, zo.",2622.1\n'
    "Occupation,http://data.europa.eu/esco/occupation/x,,kok,,,released,,5120.3\n"
)


def read(text: str) -> list[ConceptRecord]:
    return list(read_esco_csv(io.StringIO(text, newline="")))


def test_official_format_with_bom_and_multiline_labels() -> None:
    librarian, cook = read(OFFICIAL)
    assert librarian == ConceptRecord(
        uri="http://data.europa.eu/esco/occupation/lib",
        preferred="bibliothecaris",
        # stripped, empty lines dropped, case-insensitive duplicates and the preferred label gone
        alt=("bibliothecaresse", "bibliotheekmedewerker"),
        hidden=("bieb-medewerker",),
        description="Bibliothecarissen beheren, zo.",
        isco_group="2622",
    )
    # No iscoGroup cell: the group is the code's part before the first dot.
    assert (cook.preferred, cook.alt, cook.hidden, cook.isco_group) == ("kok", (), (), "5120")


def test_upper_case_variant_of_the_english_export() -> None:
    text = (
        "ORIGINURI,ID,ISCOGROUPCODE,CODE,PREFERREDLABEL,ALTLABELS,DESCRIPTION,ISLOCALIZED\n"
        'http://data.europa.eu/esco/occupation/lib,key_1,2622,2622.1,librarian,"librarian\n'
        'library manager",Librarians manage library collections.,false\n'
    )
    (record,) = read(text)
    assert record.uri == "http://data.europa.eu/esco/occupation/lib"
    assert record.preferred == "librarian"
    assert record.alt == ("library manager",)
    assert record.hidden == ()
    assert record.isco_group == "2622"
    assert record.description == "Librarians manage library collections."


def test_skills_file_without_isco_columns() -> None:
    text = "conceptUri,preferredLabel,altLabels,description\nhttp://s/1,Python,python 3,Code.\n"
    (record,) = read(text)
    assert (record.preferred, record.alt, record.isco_group) == ("Python", ("python 3",), None)


def test_missing_column_is_named() -> None:
    with pytest.raises(EscoFormatError, match="preferredLabel"):
        read("conceptUri,altLabels\nhttp://x,a\n")


def test_empty_file() -> None:
    with pytest.raises(EscoFormatError, match="empty"):
        read("")


def test_empty_preferred_label_names_the_line() -> None:
    # The first row spans lines 2-3 (quoted newline), so the bad row starts on line 4.
    text = (
        'conceptUri,preferredLabel,altLabels\nhttp://x/1,kok,"chef\nkeukenchef"\nhttp://x/2,  ,\n'
    )
    rows = read_esco_csv(io.StringIO(text, newline=""))
    assert next(rows).preferred == "kok"
    with pytest.raises(EscoFormatError, match=r"line 4: empty preferredLabel for http://x/2"):
        next(rows)


def test_empty_uri_names_the_line() -> None:
    with pytest.raises(EscoFormatError, match="line 2: empty conceptUri"):
        read("conceptUri,preferredLabel\n,kok\n")


def test_streams_rows_lazily() -> None:
    # A broken row far down the file must not stop the rows before it from being read.
    text = "conceptUri,preferredLabel\nhttp://x/1,kok\n,\n,broken\n"
    rows = read_esco_csv(io.StringIO(text, newline=""))
    assert next(rows).uri == "http://x/1"  # the blank row is skipped, the next one is bad
    with pytest.raises(EscoFormatError, match="line 4"):
        next(rows)
