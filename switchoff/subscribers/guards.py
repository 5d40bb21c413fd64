"""The rules a list must pass before it is written, whichever way it came in.

The import page, the API and the command line all check a list with
``importer.check_list`` and then ask ``review_list`` what writing it would do:
whether it has good rows at all, how many of the operator's current subscribers
in the area would be marked as left, and whether its date is acceptable.
``Review.enforce`` raises the first rule the list breaks. ``importer.import_list``
applies the same rules again inside its transaction, as a last guard, so that a
queued job can never do what the check refused (the registry may have changed
since, or the job came from another path).

Each refusal carries a code (stored on a background job and turned into a
sentence in the reader's language by ``job_message``), the field it concerns
(named in the API's error) and a translatable message.
"""

from __future__ import annotations

import abc
import bisect
import datetime
from array import array
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.subscribers.models import Subscriber, SubscriberList
from switchoff.units.models import Unit


class Checked(Protocol):
    """What the review reads of a checked list (``importer.CheckedList``, which calls the guards: they stay below
    it and do not import it): its good rows and their numbers, and the digest of its content."""

    @property
    def good(self) -> int: ...

    @property
    def seen_numbers(self) -> array[int]: ...

    @property
    def digest(self) -> str: ...


def _day(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


class ImportRefusal(ValueError, metaclass=abc.ABCMeta):
    """A list that must not be written. ``code`` is what a job stores; ``field`` what the API names."""

    code = "refused"
    field = "file"

    @property
    @abc.abstractmethod
    def message(self) -> str:
        """What is wrong, in the refusal's own words: every refusal below says it (mypy refuses one that does not).

        Python does not hold an exception class to its abstract methods when it is made (``BaseException``
        skips the check), so the body still fails loudly if a subclass forgot.
        """
        raise NotImplementedError

    @property
    def api_message(self) -> str:
        """The message for an API client, which may need to be told which field to change."""
        return self.message

    @property
    def job_code(self) -> str:
        return self.code

    @property
    def details(self) -> dict[str, Any]:
        return {"field": self.field}


class NoGoodRows(ImportRefusal):
    """The list has no row that can be imported: writing it would mark everybody as left."""

    code = "no_good_rows"

    @property
    def message(self) -> str:
        return _(
            "The list has no good row (the file is empty, has only a header, or every row has an error): "
            "nothing was imported."
        )


class FutureList(ImportRefusal):
    """A list dated after today: it would block every real list of the area until that day."""

    code = "future_as_of"
    field = "as_of"

    def __init__(self, as_of: datetime.date) -> None:
        super().__init__(as_of)
        self.as_of = as_of

    @property
    def message(self) -> str:
        return _("The date of the list (%(day)s) is after today (%(today)s): a list cannot be dated in the future.") % {
            "day": _day(self.as_of),
            "today": _day(timezone.localdate()),
        }

    @property
    def job_code(self) -> str:
        return f"{self.code}:{self.as_of.isoformat()}"


class OutOfOrder(ImportRefusal):
    """A newer list of this operator and area was already imported."""

    code = "out_of_order"
    field = "as_of"

    def __init__(self, newer: datetime.date) -> None:
        super().__init__(newer)
        self.newer = newer

    def __str__(self) -> str:
        return self.newer.isoformat()

    @property
    def message(self) -> str:
        return _("A newer list of this operator and area (as of %(day)s) is already imported.") % {
            "day": _day(self.newer)
        }

    @property
    def job_code(self) -> str:
        return f"{self.code}:{self.newer.isoformat()}"


class MassLeave(ImportRefusal):
    """The list would mark more than the allowed share of the operator's subscribers in the area as left."""

    code = "mass_leave"
    field = "allow_mass_leave"

    def __init__(self, leaving: int, current: int) -> None:
        super().__init__(leaving, current)
        self.leaving, self.current = leaving, current

    @property
    def message(self) -> str:
        return _(
            "This list would mark %(leaving)s of the %(current)s subscribers of this operator in this area as "
            "left, more than %(share)s %%: nothing was imported. If the list is complete, confirm it explicitly."
        ) % {"leaving": self.leaving, "current": self.current, "share": share_percent()}

    @property
    def api_message(self) -> str:
        return " ".join((self.message, _("Send allow_mass_leave=true to import it anyway.")))

    @property
    def job_code(self) -> str:
        return f"{self.code}:{self.leaving}:{self.current}"

    @property
    def details(self) -> dict[str, Any]:
        return {"field": self.field, "leaving": self.leaving, "current": self.current, "share": mass_leave_share()}


def mass_leave_share() -> float:
    """The share of an operator's subscribers in an area above which a list is held (REGISTRY_MASS_LEAVE_SHARE)."""
    return float(settings.REGISTRY_MASS_LEAVE_SHARE)


def share_percent() -> str:
    return f"{mass_leave_share() * 100:g}"


def refuse_future(as_of: datetime.date) -> None:
    """A list may be dated today at the latest, in Asia/Ho_Chi_Minh."""
    if as_of > timezone.localdate():
        raise FutureList(as_of)


def exceeds_share(*, leaving: int, current: int) -> bool:
    """More than the allowed share would leave; a first list (nobody current) never does."""
    return current > 0 and leaving > mass_leave_share() * current


def current_subscribers(*, operator: Unit, area: Unit) -> int:
    """The operator's subscribers listed in the area now: those a list of the area may mark as left."""
    return _listed_in_area(operator, area).count()


def _listed_in_area(operator: Unit, area: Unit) -> Any:
    # The same selection as importer._apply_left, before the list is written.
    return Subscriber.objects.filter(
        operator=operator, status=Subscriber.Status.LISTED, list_area__rollup_path__startswith=area.rollup_path
    )


@dataclass(frozen=True)
class Review:
    """What writing a checked list would do, and which rule it breaks (if any)."""

    as_of: datetime.date
    good: int
    leaving: int
    current: int
    newer: datetime.date | None = None
    # The operator's last list of the area is this very content and date: confirming changes nothing.
    already_imported: bool = False

    @property
    def no_good_rows(self) -> bool:
        return self.good == 0

    @property
    def mass_leave(self) -> bool:
        return exceeds_share(leaving=self.leaving, current=self.current)

    @property
    def share_percent(self) -> str:
        return share_percent()

    def enforce(self, *, allow_mass_leave: bool = False) -> None:
        """Raise the first rule the list breaks: its date, no good rows, a newer list, then a mass leave."""
        refuse_future(self.as_of)
        if self.no_good_rows:
            raise NoGoodRows
        if self.newer is not None:
            raise OutOfOrder(self.newer)
        if self.mass_leave and not allow_mass_leave:
            raise MassLeave(self.leaving, self.current)


def review_list(*, operator: Unit, area: Unit, as_of: datetime.date, checked: Checked) -> Review:
    """How many of the operator's current subscribers in ``area`` the checked list would mark as left.

    Whoever is listed for this operator under the area and is not among the
    list's good numbers would leave (as ``import_list`` marks them), except those
    another list already listed on the same day.
    """
    listed = _listed_in_area(operator, area)
    current = listed.count()
    leaving = 0
    if current:  # a first list (a national first import among them) leaves nobody: no look-ups
        # Sorted without a Python int per number (a national list has millions).
        numbers = array("q", np.sort(np.frombuffer(checked.seen_numbers, dtype=np.int64)).tobytes())
        for msisdn, last_listed in listed.values_list("msisdn", "last_listed").iterator(20000):
            if last_listed == as_of:
                continue
            number = int(msisdn[3:])
            index = bisect.bisect_left(numbers, number)
            if index == len(numbers) or numbers[index] != number:
                leaving += 1
    # The same test as import_list's: the last list of the operator and area, its date and its content.
    latest = (
        SubscriberList.objects.filter(operator=operator, area=area, status=SubscriberList.Status.DONE)
        .order_by("-as_of", "-pk")
        .values_list("as_of", "digest")
        .first()
    )
    newer = latest[0] if latest is not None and latest[0] > as_of else None
    again = latest is not None and latest == (as_of, checked.digest)
    return Review(as_of=as_of, good=checked.good, leaving=leaving, current=current, newer=newer, already_imported=again)


JOB_MESSAGES = {
    "already_imported": lambda: _("This list was already imported: nothing changed."),
    "refused": lambda: _("The file has errors and you chose to refuse the whole file."),
    "no_good_rows": lambda: NoGoodRows().message,
    "file_gone": lambda: _("The uploaded file is gone. Upload it again."),
    "unreadable": lambda: _("The file is neither an Excel workbook nor a text file in a known encoding."),
}


def job_message(code: str) -> str:
    """A job's stored message code as a sentence in the active language (free text is shown as it is)."""
    name, _sep, rest = code.partition(":")
    try:
        if name in JOB_MESSAGES and not rest:
            return str(JOB_MESSAGES[name]())
        if name == "out_of_order":
            return OutOfOrder(datetime.date.fromisoformat(rest)).message
        if name == "future_as_of":
            return FutureList(datetime.date.fromisoformat(rest)).message
        if name == "mass_leave":
            leaving, current = rest.split(":")
            return MassLeave(int(leaving), int(current)).message
    except ValueError:
        pass
    return code
