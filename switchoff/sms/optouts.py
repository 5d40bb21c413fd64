"""An operator's list of numbers that asked for no more messages: read through the shared reader, checked row by
row, then written. The number's column is found by its header (as in the operators' lists); every row that is
not a Vietnamese mobile number is named by its row and column, never dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from switchoff.audit.services import log_action
from switchoff.lib.phones import parse_subscriber_number
from switchoff.lib.sheets import Aliases, Problem, ReadResult, cell_text, column_letter, find_header, reasons
from switchoff.people.models import User
from switchoff.sms.models import OptOut
from switchoff.units.models import Unit

ALIASES = Aliases({
    "number": {"so thue bao", "so dien thoai", "sdt", "so tb", "thue bao", "msisdn", "number", "phone number",
               "dien thoai", "so"},
})  # fmt: skip

REASONS = reasons({
    "opt_out_no_header": ("error", _("No header naming the number was found in the first rows.")),
    "opt_out_number": ("error", _("Not a Vietnamese mobile number.")),
})  # fmt: skip


@dataclass
class OptOutCheck:
    numbers: dict[str, int] = field(default_factory=dict)  # E.164 → its first row
    problems: list[Problem] = field(default_factory=list)


def check_opt_outs(read: ReadResult) -> OptOutCheck:
    """Every row of the first sheet judged by itself; nothing written."""
    checked = OptOutCheck()
    sheet = read.sheets[0] if read.sheets else None
    header = find_header(sheet.head, ALIASES, needs=("number",)) if sheet else None
    if sheet is None or header is None:
        checked.problems.append(Problem(sheet.name if sheet else "", 0, "", "", "opt_out_no_header"))
        return checked
    column = header.columns["number"]
    for index, row in enumerate(sheet.rows()):
        if index <= header.header_row or not any(c not in (None, "") for c in row):
            continue
        value = row[column] if column < len(row) else None
        number = parse_subscriber_number(value)
        if number.e164 is None:
            problem = Problem(sheet.name, index + 1, column_letter(column), cell_text(value)[:100], "opt_out_number")
            checked.problems.append(problem)
            continue
        checked.numbers.setdefault(number.e164, index + 1)
    return checked


@transaction.atomic
def opt_outs_import(*, actor: User, operator: Unit, checked: OptOutCheck, file_name: str) -> int:
    """Record the checked numbers as never to be messaged again by the operator; answers how many are new."""
    known = set(OptOut.objects.filter(operator=operator, msisdn__in=checked.numbers).values_list("msisdn", flat=True))
    new = [OptOut(operator=operator, msisdn=n, source="list") for n in checked.numbers if n not in known]
    OptOut.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    log_action("sms.opt_outs.imported", actor=actor, unit=operator,
               data={"file": file_name[:200], "numbers": len(checked.numbers), "new": len(new),
                     "problems": len(checked.problems)})  # fmt: skip
    return len(new)
