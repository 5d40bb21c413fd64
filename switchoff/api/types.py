"""Whole numbers the API takes, bounded by what the database stores.

An unbounded ``int`` lets a request ask for id 10**30, which no database
column holds: SQLite and PostgreSQL refuse it with an overflow, a server
error. Bounded here, such a request is told it is not valid (422).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_BIGINT = 2**63 - 1  # the primary keys (BigAutoField)
MAX_POSITIVE_INT = 2**31 - 1  # PositiveIntegerField, on every database Django supports

Id = Annotated[int, Field(ge=0, le=MAX_BIGINT)]
Count = Annotated[int, Field(ge=0, le=MAX_POSITIVE_INT)]
