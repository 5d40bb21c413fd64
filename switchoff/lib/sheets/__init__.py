"""The tables people upload, read one way for every import (operators' lists, the villages workbook,
the activity sheet, device tables): which module to call.

``reading.read_file`` turns a file (XLSX, XLS, ODS, CSV/TXT in UTF-8, UTF-16 or
Windows-1258) into sheets of rows within the import's limits; ``headers``
finds the header row (below title rows, across a merged two-row header) and
the column of each field from an import's ``Aliases`` on folded words, and
tells the totals rows and signature blocks that are not data; ``problems`` is
the one ``Problem`` type (sheet, row, column, value, code and its sentence in
the reader's language) with the text helpers every check uses.
"""

from switchoff.lib.sheets.headers import (
    HEADER_LOOK,
    Aliases,
    Header,
    find_header,
    header_rows,
    header_words,
    headers_of,
    row_label,
)
from switchoff.lib.sheets.problems import (
    REASONS,
    Problem,
    ProblemLines,
    cell_at,
    cell_text,
    column_letter,
    errors_of,
    read_problem_lines,
    reasons,
)
from switchoff.lib.sheets.reading import (
    ENCODINGS,
    HEAD_ROWS,
    SEPARATORS,
    ReadResult,
    Sheet,
    UnreadableFile,
    read_file,
)

__all__ = [
    "ENCODINGS",
    "HEADER_LOOK",
    "HEAD_ROWS",
    "REASONS",
    "SEPARATORS",
    "Aliases",
    "Header",
    "Problem",
    "ProblemLines",
    "ReadResult",
    "Sheet",
    "UnreadableFile",
    "cell_at",
    "cell_text",
    "column_letter",
    "errors_of",
    "find_header",
    "header_rows",
    "header_words",
    "headers_of",
    "read_file",
    "read_problem_lines",
    "reasons",
    "row_label",
]
