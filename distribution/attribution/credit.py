"""Multi-touch attribution models as pure functions.

Every model takes the touches of one conversion (an application, or a hire) as the times at
which they happened, already in their recorded order (oldest first), and the time of the
conversion. It returns one share per touch; the shares of a conversion with touches sum to
1, and a conversion without touches gets an empty list (nothing to credit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal, get_args

AttributionModel = Literal["first_touch", "last_touch", "linear", "position_based", "time_decay"]
ATTRIBUTION_MODELS: tuple[str, ...] = get_args(AttributionModel)

# position_based: the first and the last touch get 40% each, the touches between share 20%.
POSITION_ENDS = 0.4
POSITION_MIDDLE = 0.2
# time_decay: a touch's weight halves with every week between it and the conversion.
HALF_LIFE = timedelta(days=7)

Touches = Sequence[datetime]
CreditModel = Callable[[Touches, datetime], list[float]]


def first_touch(touches: Touches, converted_at: datetime) -> list[float]:
    """All credit to the first touch."""
    return [1.0 if i == 0 else 0.0 for i in range(len(touches))]


def last_touch(touches: Touches, converted_at: datetime) -> list[float]:
    """All credit to the last touch."""
    last = len(touches) - 1
    return [1.0 if i == last else 0.0 for i in range(len(touches))]


def linear(touches: Touches, converted_at: datetime) -> list[float]:
    """Equal credit to every touch: 1/n each."""
    n = len(touches)
    return [1.0 / n] * n if n else []


def position_based(touches: Touches, converted_at: datetime) -> list[float]:
    """40% to the first touch, 40% to the last, 20% split evenly over the touches between.

    With one touch it gets everything; with two, each gets half (there is no middle to
    give 20% to).
    """
    n = len(touches)
    if n <= 2:
        return linear(touches, converted_at)
    middle = POSITION_MIDDLE / (n - 2)
    return [POSITION_ENDS, *([middle] * (n - 2)), POSITION_ENDS]


def time_decay(touches: Touches, converted_at: datetime) -> list[float]:
    """Credit in proportion to ``2 ** -(age / 7 days)``, where a touch's age is the time
    between it and the conversion, normalised to sum to 1.

    Touches 0, 7 and 14 days before the conversion weigh 1, 0.5 and 0.25, so they get
    4/7, 2/7 and 1/7. A touch recorded after the conversion counts as age 0.
    """
    if not touches:
        return []
    ages = [max(converted_at - at, timedelta(0)) for at in touches]
    # Measured from the youngest touch: the shares are the same, and touches decades old
    # cannot all underflow to weight 0.
    youngest = min(ages)
    weights = [2.0 ** -((age - youngest) / HALF_LIFE) for age in ages]
    total = sum(weights)
    return [weight / total for weight in weights]


MODELS: dict[str, CreditModel] = {
    "first_touch": first_touch,
    "last_touch": last_touch,
    "linear": linear,
    "position_based": position_based,
    "time_decay": time_decay,
}


def credit(model: AttributionModel, touches: Touches, converted_at: datetime) -> list[float]:
    """The shares ``model`` gives to ``touches`` of a conversion at ``converted_at``."""
    if not touches:
        return []
    return MODELS[model](touches, converted_at)
