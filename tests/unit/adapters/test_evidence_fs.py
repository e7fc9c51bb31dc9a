"""The file evidence store: content-addressed, atomic, read-only, strict about references."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest

from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.errors import FairdebtError

SMS = "【示例银行】张三您好，您尾号1234的借款已逾期。".encode()


def _store(tmp_path: Path) -> FileEvidenceStore:
    return FileEvidenceStore(tmp_path / "evidence")


def test_put_names_the_bytes_by_their_sha256_and_get_returns_them(tmp_path: Path) -> None:
    store = _store(tmp_path)

    ref = store.put(SMS, "text/plain; charset=utf-8")

    digest = hashlib.sha256(SMS).hexdigest()
    assert ref == f"sha256:{digest}"
    assert store.get(ref) == SMS
    assert store.check(ref) == "ok"
    path = tmp_path / "evidence" / "sha256" / digest[:2] / digest[2:]
    stored = path.read_bytes()
    assert stored.startswith(b"\x89FDE\x01\x02t1") and SMS not in stored  # sealed, key t1


def test_objects_are_read_only_and_no_temporary_file_remains(tmp_path: Path) -> None:
    store = _store(tmp_path)

    path = store.path_of(store.put(SMS, "text/plain"))

    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_putting_stored_bytes_again_writes_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path)
    path = store.path_of(store.put(SMS, "text/plain"))
    before = path.stat()

    again = store.put(SMS, "application/octet-stream")

    assert again == store.put(SMS, "text/plain")
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_empty_bytes_are_an_object_too(tmp_path: Path) -> None:
    store = _store(tmp_path)

    ref = store.put(b"", "text/plain")

    assert store.get(ref) == b"" and store.check(ref) == "ok"


def test_concurrent_puts_of_the_same_bytes_leave_one_whole_object(tmp_path: Path) -> None:
    store = _store(tmp_path)
    letter = os.urandom(256 * 1024)  # large enough for writes to overlap
    refs: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def put() -> None:
        try:
            start.wait()
            refs.append(store.put(letter, "application/pdf"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert len(set(refs)) == 1
    assert store.get(refs[0]) == letter
    assert [p.name for p in store.path_of(refs[0]).parent.iterdir()] == [
        store.path_of(refs[0]).name
    ]


def test_a_truncated_object_is_a_mismatch_and_get_refuses_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    ref = store.put(SMS, "text/plain")
    path = store.path_of(ref)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:-10])  # the sealed object cut short

    assert store.check(ref) == "mismatch"
    with pytest.raises(FairdebtError, match="does not match"):
        store.get(ref)


def test_a_deleted_object_is_missing(tmp_path: Path) -> None:
    store = _store(tmp_path)
    ref = store.put(SMS, "text/plain")
    store.path_of(ref).unlink()

    assert store.check(ref) == "missing"
    with pytest.raises(FairdebtError, match="no evidence object"):
        store.get(ref)


def test_a_reference_never_stored_is_missing(tmp_path: Path) -> None:
    assert _store(tmp_path).check("sha256:" + "0" * 64) == "missing"


GOOD = hashlib.sha256(SMS).hexdigest()
BAD_REFS = [
    "sha256:../../etc/passwd",
    "sha256:../" + GOOD[3:],
    "sha256:" + GOOD.upper(),
    "SHA256:" + GOOD,
    "sha256:" + GOOD[:63],
    "sha256:" + GOOD + "0",
    "sha256:" + GOOD[:63] + "\x00",
    "sha256:" + GOOD + "\n",
    "sha256:" + GOOD[:2] + "/" + GOOD[3:],
    "md5:" + GOOD[:32],
    GOOD,
    "",
]


@pytest.mark.parametrize("ref", BAD_REFS)
def test_a_malformed_reference_is_refused_before_any_path_is_made(tmp_path: Path, ref: str) -> None:
    store = _store(tmp_path)
    store.put(SMS, "text/plain")

    for operation in (store.get, store.check, store.path_of):
        with pytest.raises(FairdebtError, match="not an evidence reference"):
            operation(ref)


def test_a_reference_that_is_not_text_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FairdebtError):
        _store(tmp_path).check(None)  # type: ignore[arg-type]


def test_an_unwritable_root_is_one_readable_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = FileEvidenceStore(blocker / "evidence")

    with pytest.raises(FairdebtError, match="cannot store evidence"):
        store.put(SMS, "text/plain")
