"""The child process that reads a workbook first, with its memory limited (run as a script, not imported).

A workbook is read by native code (calamine) that aborts the whole process when an
allocation fails: the web or worker process that reads a hostile file would be gone.
So ``reading.read_file`` first has this script read the workbook (from its standard
input) in a process of its own whose address space is limited (``RLIMIT_AS``): a
file that needs more ends this process, and the caller refuses it. It imports only
the standard library and calamine (no Django), so that it starts in a fraction of
a second. It answers one JSON line: ``{"ok": true}`` or ``{"error": "workbook"}``, with its peak memory.
"""

import io
import json
import resource
import sys


def peak_bytes() -> int:
    """This process's largest resident memory since it started (``VmHWM``: unlike ``ru_maxrss``, it does
    not count what the process that started it held before the exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    limit = int(sys.argv[1])
    answer: dict[str, object]
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    content = sys.stdin.buffer.read()
    try:
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            for name in book.sheet_names:
                book.get_sheet_by_name(name)  # where the sheet's whole grid is allocated
        except CalamineError:
            answer = {"error": "workbook"}
        else:
            answer = {"ok": True}
    except MemoryError:
        answer = {"error": "memory"}
    answer["peak"] = peak_bytes()
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
