"""The five attribution models as pure functions, with exact shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from distribution.attribution.credit import ATTRIBUTION_MODELS, credit

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def days_before(*days: float) -> list[datetime]:
    return [T - timedelta(days=d) for d in days]


# Touches one day apart, oldest first; time_decay is tested separately.
TOUCHES = {n: days_before(*range(n, 0, -1)) for n in (1, 2, 3, 4)}

EXPECTED = {
    "first_touch": {
        1: [1.0],
        2: [1.0, 0.0],
        3: [1.0, 0.0, 0.0],
        4: [1.0, 0.0, 0.0, 0.0],
    },
    "last_touch": {
        1: [1.0],
        2: [0.0, 1.0],
        3: [0.0, 0.0, 1.0],
        4: [0.0, 0.0, 0.0, 1.0],
    },
    "linear": {
        1: [1.0],
        2: [0.5, 0.5],
        3: [1 / 3, 1 / 3, 1 / 3],
        4: [0.25, 0.25, 0.25, 0.25],
    },
    "position_based": {
        1: [1.0],
        2: [0.5, 0.5],
        3: [0.4, 0.2, 0.4],
        4: [0.4, 0.1, 0.1, 0.4],
    },
}


@pytest.mark.parametrize("model", sorted(EXPECTED))
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_position_models(model: str, n: int) -> None:
    shares = credit(model, TOUCHES[n], T)  # type: ignore[arg-type]
    assert shares == pytest.approx(EXPECTED[model][n], abs=1e-12)


def test_time_decay_halves_weight_per_week() -> None:
    shares = credit("time_decay", days_before(14, 7, 0), T)
    # Weights 0.25, 0.5, 1 over a total of 1.75.
    assert shares == pytest.approx([1 / 7, 2 / 7, 4 / 7], abs=1e-12)
    assert [round(s, 4) for s in shares] == [0.1429, 0.2857, 0.5714]


def test_time_decay_one_two_and_four_touches() -> None:
    assert credit("time_decay", days_before(30), T) == [1.0]
    assert credit("time_decay", days_before(7, 0), T) == pytest.approx([1 / 3, 2 / 3], abs=1e-12)
    assert credit("time_decay", days_before(21, 14, 7, 0), T) == pytest.approx(
        [1 / 15, 2 / 15, 4 / 15, 8 / 15], abs=1e-12
    )
    # Equal ages share equally, however old.
    assert credit("time_decay", days_before(3.5, 3.5), T) == pytest.approx([0.5, 0.5])


def test_time_decay_counts_a_touch_after_the_conversion_as_age_zero() -> None:
    after = T + timedelta(days=2)
    assert credit("time_decay", [T - timedelta(days=7), after], T) == pytest.approx(
        [1 / 3, 2 / 3], abs=1e-12
    )


@pytest.mark.parametrize("model", ATTRIBUTION_MODELS)
def test_no_touches_no_credit(model: str) -> None:
    assert credit(model, [], T) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ATTRIBUTION_MODELS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_shares_sum_to_one(model: str, n: int) -> None:
    touches = days_before(*[3 * i for i in range(n, 0, -1)])
    shares = credit(model, touches, T)  # type: ignore[arg-type]
    assert len(shares) == n
    assert sum(shares) == pytest.approx(1.0, abs=1e-12)
    assert all(share >= 0 for share in shares)
