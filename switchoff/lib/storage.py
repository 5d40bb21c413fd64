"""Files through Django's storage API only, so that any app server or worker reads what another one wrote.

Every file switchoff keeps lives in a named storage of ``settings.STORAGES``: a folder under SWITCHOFF_VAR_DIR by
default, an S3-compatible bucket (django-storages) when STORAGE_S3_BUCKET is set. Nothing here opens a path,
except ``local_file``: a library that needs a file on this machine's disk (the forked reader of a large list)
gets a temporary copy, removed once it is done with it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

CHUNK = 1024 * 1024


class PrivateStorage(FileSystemStorage):
    """Files no URL serves (visits' photos): read only through a view that checks access and logs the view."""

    def url(self, name: str | None) -> str:
        raise ValueError("A private file has no public URL: serve it through its checked view.")


if TYPE_CHECKING:
    _LazyStorage = LazyObject[Storage]
else:
    _LazyStorage = LazyObject


class NamedStorage(_LazyStorage):
    """``storages[alias]``, looked up when first used (as Django's ``default_storage``): what a model's FileField
    holds, so that the storage follows STORAGES (a test's machine with other settings) instead of the one of the
    moment the model was defined."""

    def __init__(self, alias: str) -> None:
        self.__dict__["alias"] = alias
        super().__init__()
        _named.append(self)

    def _setup(self) -> None:
        self._wrapped = storages[self.__dict__["alias"]]


_named: list[NamedStorage] = []


def _storages_changed(*, setting: str, **_kwargs: object) -> None:
    if setting == "STORAGES":
        for named in _named:
            named.__dict__["_wrapped"] = empty


setting_changed.connect(_storages_changed)


def walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in a storage, below ``folder`` (a folder, or an object store's common prefix)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from walk(storage, f"{folder}/{sub}" if folder else sub)


def written_before(storage: Storage, folder: str, cutoff: datetime.datetime) -> Iterator[str]:
    """The files below ``folder`` last written before ``cutoff`` (an aware time)."""
    from storages.backends.s3 import S3Storage

    if isinstance(storage, S3Storage):
        from switchoff.lib.storage_s3 import s3_written_before

        yield from s3_written_before(storage, folder, cutoff)
        return
    for name in walk(storage, folder):
        try:
            modified = storage.get_modified_time(name)
        except FileNotFoundError:  # removed meanwhile
            continue
        if modified < cutoff:
            yield name


def local_path(storage: Storage, name: str) -> Path | None:
    """The file's own path when the storage is a folder of this machine, else None."""
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # an object store: no path
        return None


@contextlib.contextmanager
def local_file(storage: Storage, name: str) -> Iterator[Path]:
    """The stored file as a file on this machine's disk, for as long as the block runs: the folder's own file, or
    a temporary copy of an object, removed afterwards. FileNotFoundError when there is no such file."""
    own = local_path(storage, name)
    if own is not None:
        if not own.is_file():
            raise FileNotFoundError(name)
        yield own
        return
    handle, temporary = tempfile.mkstemp(prefix="switchoff-", suffix=Path(name).suffix)
    try:
        with os.fdopen(handle, "wb") as copy, storage.open(name, "rb") as stored:
            shutil.copyfileobj(stored, copy, CHUNK)
        yield Path(temporary)
    finally:
        Path(temporary).unlink(missing_ok=True)


def save_local(storage: Storage, name: str, path: Path) -> None:
    """Keep the local file ``path`` in the storage as ``name``, replacing what was there."""
    storage.delete(name)
    with path.open("rb") as handle:
        written = storage.save(name, File(handle, name=Path(name).name))
    assert written == name, (written, name)


def lines(storage: Storage, name: str) -> Iterator[bytes]:
    """The stored file's lines, read as a stream; none when there is no such file."""
    try:
        stored = storage.open(name, "rb")
    except FileNotFoundError:
        return
    with stored:
        yield from stored
