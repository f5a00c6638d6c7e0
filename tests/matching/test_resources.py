"""Matching's shared resources: the concept extractor is built once per taxonomy revision,
whatever the model."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from matching.embeddings.e5_small import E5_SMALL_NAME
from matching.embeddings.static_e5 import STATIC_E5_NAME
from matching.indexing.resources import matching_resources

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_two_models_share_one_extractor(db: Session) -> None:
    default = matching_resources(db, E5_SMALL_NAME)
    fast = matching_resources(db, STATIC_E5_NAME)
    assert default.encoder.name == E5_SMALL_NAME
    assert fast.encoder.name == STATIC_E5_NAME
    assert fast.extractor is default.extractor
    assert fast.isco_groups is default.isco_groups
    assert fast.taxonomy_revision == default.taxonomy_revision
    # Still the same resources on the next call for either model.
    assert matching_resources(db, STATIC_E5_NAME) is fast
    assert [m.uri for m in fast.extractor.extract("Python, SQL, lesgeven")]
