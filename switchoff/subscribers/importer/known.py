"""The operator's numbers already in the registry: a sorted array read once before a list is written."""

from __future__ import annotations

import bisect
from array import array

from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit


def _known_numbers(operator: Unit) -> array[int]:
    """The operator's numbers already in the registry, sorted, 8 bytes each (millions fit in memory)."""
    numbers: array[int] = array("q")
    ordered = True
    for msisdn in (
        Subscriber.objects.filter(operator=operator).order_by("msisdn").values_list("msisdn", flat=True).iterator(20000)
    ):
        number = int(msisdn[3:])
        if numbers and number < numbers[-1]:
            ordered = False
        numbers.append(number)
    return numbers if ordered else array("q", sorted(numbers))


def _known(numbers: array[int], number: int) -> bool:
    index = bisect.bisect_left(numbers, number)
    return index < len(numbers) and numbers[index] == number
