"""Reading and checking a file in a forked process while SQLite stores the rows in this one (two cores)."""

from __future__ import annotations

import marshal
import multiprocessing
import pickle
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from switchoff.subscribers.importer.writing import _Spool


from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets import ReadResult
from switchoff.subscribers.importer import cleaning
from switchoff.subscribers.importer.checked import CheckedList
from switchoff.subscribers.importer.problems import Refused
from switchoff.subscribers.importer.rows import ProgressHook

PARALLEL_FROM = 50_000  # rows (about): from here on SQLite imports read the file in a second process


def _read_in_child(
    send: Any, read: ReadResult, kwargs: dict[str, Any], refuse_errors: bool, keep_problems: bool
) -> None:
    """The forked reader: validates every row and sends the rows to write, a batch at a time, then its findings.

    It never touches the database (the connection it inherited belongs to the parent).
    """
    checked = CheckedList(digest="", keep_problems=keep_problems)

    def tell(*message: object) -> None:
        send.send_bytes(b"P" + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def progress(phase: str, done: int, total: int) -> None:
        tell("progress", done, total, checked.error_count)

    try:
        for batch in cleaning.clean_rows(read, checked, progress=progress, phase="importing", **kwargs):
            if refuse_errors and checked.error_count:
                raise Refused
            # Rows hold only text, whole numbers and None: marshal is three times quicker than pickle.
            if batch.new:
                send.send_bytes(b"N" + marshal.dumps(batch.new))
            if batch.known:
                send.send_bytes(b"K" + marshal.dumps(batch.known))
        names = ("rows_read", "good", "error_count", "warning_count", "problems", "mappings", "seen_numbers",
                 "seen_where", "new_by_unit", "no_name", "from_content", "codes", "by_unit",
                 "restored_zero")  # fmt: skip
        state = {name: getattr(checked, name) for name in names}
        tell("done", state)
    except Refused:
        tell("refused")
    except FileRefused as exc:  # a cell too long further down: the parent refuses the file with the reason
        tell("file", exc.code)
    except BaseException:  # told to the parent, which raises
        tell("error", traceback.format_exc())
    finally:
        send.close()


class _ChildReader:
    """Reading and checking the file in a forked process, so that it uses the second core.

    Python validates rows at a few microseconds each; SQLite needs about as long
    to store them, in this same process. Here the child reads and checks while
    this process stores. A crash, a cancel or a kill of either side stops both,
    and the transaction is rolled back as always.
    """

    def __init__(self, read: ReadResult, checked: CheckedList, *, spool: _Spool, refuse_errors: bool,
                 progress: ProgressHook, **kwargs: Any) -> None:  # fmt: skip
        self.checked, self.spool = checked, spool
        self.refuse_errors, self.progress = refuse_errors, progress
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_read_in_child, args=(send, read, kwargs, refuse_errors, checked.keep_problems), daemon=True
        )
        self.child.start()
        send.close()

    def new_rows(self) -> Iterator[list[tuple[object, ...]]]:
        """The rows of new subscribers, a batch at a time; known ones go to the spool meanwhile."""
        try:
            while True:
                try:
                    data = self.receive.recv_bytes()
                except EOFError:
                    raise RuntimeError("The process reading the file stopped.") from None
                tag = data[:1]
                if tag == b"N":
                    yield marshal.loads(memoryview(data)[1:])  # noqa: S302  # our own child
                    continue
                if tag == b"K":
                    self.spool.extend(marshal.loads(memoryview(data)[1:]))  # noqa: S302
                    continue
                message = pickle.loads(memoryview(data)[1:])  # noqa: S301  # our own child
                kind = message[0]
                if kind == "progress":
                    self.checked.error_count = message[3]
                    if self.refuse_errors and self.checked.error_count:
                        raise Refused
                    self.progress("importing", message[1], message[2])
                elif kind == "done":
                    for name, value in message[1].items():
                        setattr(self.checked, name, value)
                    return
                elif kind == "refused":
                    raise Refused
                elif kind == "file":
                    raise FileRefused.from_code(message[1])
                else:
                    raise RuntimeError(message[1])
        finally:
            self.receive.close()
            if self.child.is_alive():
                self.child.kill()
            self.child.join()
