"""A draft profile becomes a valid payload: over-long parts are cut to the schema's limits,
not dropped, and only parts that cannot be valid are left out."""

from __future__ import annotations

from matching.candidates.drafts import draft_to_payload
from matching.documents.profile import DraftProfile


def test_overlong_texts_and_lists_are_cut_to_the_schema_limits() -> None:
    draft = DraftProfile(
        name="N" * 400,
        headline="H" * 600,
        skills=["S" * 250, "Python"],
        experience=[
            {
                "title": "T" * 350,
                "organisation": "O" * 350,
                "start": "2019-01",
                "end": None,
                "description": "D" * 25_000,
            }
        ]
        * 120,
        education=[{"degree": "MA", "field": "F" * 400, "institution": None, "year": 2012}] * 60,
    )
    payload = draft_to_payload(draft)
    assert payload.name == "N" * 300
    assert payload.headline == "H" * 500
    assert payload.skills == ["S" * 200, "Python"]
    assert len(payload.experience) == 100
    assert payload.experience[0].title == "T" * 300
    assert payload.experience[0].organisation == "O" * 300
    assert payload.experience[0].description == "D" * 20_000
    assert len(payload.education) == 50
    assert payload.education[0].field == "F" * 300


def test_invalid_parts_are_left_out_and_the_rest_kept() -> None:
    draft = DraftProfile(
        name="Femke Jansen",
        email="femke@invalid",
        phone="call me maybe",
        experience=[
            {
                "title": "Docent",
                "organisation": None,
                "start": "2015-09",
                "end": None,
                "description": "",
            },
            {"title": "", "organisation": "X", "start": None, "end": None, "description": ""},
        ],
    )
    payload = draft_to_payload(draft)
    assert payload.name == "Femke Jansen"
    assert payload.email is None
    assert payload.phone is None
    assert [e.title for e in payload.experience] == ["Docent"]
