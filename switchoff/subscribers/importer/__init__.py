"""Importing an operator's list in two phases; which module to call.

``check.check_list`` reads and validates every row and writes nothing: it
returns every problem with its sheet, row, column, value and reason, and the
counts a person reads before confirming; it can save the cleaned rows
(``rows_to``). ``writing.import_list`` then writes the snapshot in one
transaction, from those saved rows or by reading the file again, so a crash (or
a worker killed midway) leaves the registry exactly as it was, and running it
again completes it. The same content for the same operator and area is
recognised and changes nothing.

Both phases stream the file row by row: a national list has millions of rows,
and neither the file's rows nor the cleaned ones are held in memory. The
rows of new subscribers go straight into the database's bulk path (COPY on
PostgreSQL), so the database writes while Python reads the next rows. Rows of
subscribers already known are set aside in a temporary file and applied
afterwards by a few set-based statements, as are the subscribers who left the list.

One module per concern: ``columns`` (which column holds which field: the
alias table, columns proposed from their content), ``problems`` (codes,
sentences, the rejected-rows file), ``rows`` (what a cleaned row is), ``seen`` (the file's numbers in
little memory), ``checked`` (what a check found), ``cleaning`` (reading and
cleaning rows), ``known`` (the operator's registered numbers), ``others``
(numbers of other operators), ``check`` (phase one), ``parallel`` (the forked
reader), ``writing`` (phase two). Addresses are resolved by
``units.addresses``; files are read, headers found and problems made by the
shared ``lib.sheets``.
"""

from switchoff.lib.sheets import Problem, column_letter
from switchoff.subscribers.importer.check import check_list, content_digest, remembered_columns, saved_rows
from switchoff.subscribers.importer.checked import CheckedList, CommuneCount, commune_counts
from switchoff.subscribers.importer.problems import REASONS, Refused, reasons_of, rejected_rows_xlsx
from switchoff.subscribers.importer.rows import CHUNK, ROW_COLUMNS, Batch, CleanRow, ProgressHook
from switchoff.subscribers.importer.seen import SeenNumbers, first_rows
from switchoff.subscribers.importer.writing import ApplyResult, SavedCheck, import_list, same_list_imported

__all__ = [
    "CHUNK",
    "REASONS",
    "ROW_COLUMNS",
    "ApplyResult",
    "Batch",
    "CheckedList",
    "CleanRow",
    "CommuneCount",
    "Problem",
    "ProgressHook",
    "Refused",
    "SavedCheck",
    "SeenNumbers",
    "check_list",
    "column_letter",
    "commune_counts",
    "content_digest",
    "first_rows",
    "import_list",
    "reasons_of",
    "rejected_rows_xlsx",
    "remembered_columns",
    "same_list_imported",
    "saved_rows",
]
