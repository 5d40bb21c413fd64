"""The numbers a file has shown so far, in little memory whatever its size (a bit each, and two arrays of 8 bytes)."""

from __future__ import annotations

import mmap
from array import array
from collections.abc import Iterable

import numpy as np

NUMBERS_BELOW = 1_000_000_000  # national digits of a Vietnamese mobile number (9 after the 0)


class SeenNumbers:
    """The file's good numbers as they are met, in little memory whatever the file's size.

    "Met before?" is one bit per possible number in an anonymous memory map
    (125 MB of address space; a page takes memory only once a number in it is
    met). Each number and where it was met (sheet index << 32 | row) go into two
    arrays of 8 bytes an entry, in file order: a Python dict of 18 million
    numbers would need about 2 GB.
    """

    def __init__(self) -> None:
        self.bits: mmap.mmap | None = mmap.mmap(-1, NUMBERS_BELOW // 8 + 1)
        self.beyond: set[int] = set()  # numbers no bitmap covers (no valid mobile number has one)

    def met(self, number: int) -> bool:
        """Whether ``number`` was met before; marks it met."""
        if number >= NUMBERS_BELOW:
            if number in self.beyond:
                return True
            self.beyond.add(number)
            return False
        bits = self.bits
        assert bits is not None
        byte, bit = number >> 3, 1 << (number & 7)
        value = bits[byte]
        if value & bit:
            return True
        bits[byte] = value | bit
        return False

    def close(self) -> None:
        if self.bits is not None:
            self.bits.close()
            self.bits = None


def first_rows(numbers: array[int], where: array[int], wanted: Iterable[int]) -> dict[int, int]:
    """Where each wanted number was first met (``where`` values), found with one vectorised pass."""
    wanted_np = np.fromiter(set(wanted), dtype=np.int64)
    if not len(wanted_np) or not len(numbers):
        return {}
    numbers_np = np.frombuffer(numbers, dtype=np.int64)
    hits = np.flatnonzero(np.isin(numbers_np, wanted_np))
    found: dict[int, int] = {}
    for index in hits.tolist():
        found.setdefault(numbers[index], where[index])
    return found
