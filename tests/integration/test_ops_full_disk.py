"""A full disk under the filesystem evidence store: a clear error (cause and hint: disk full at
PATH), no object half-written under its hash name, no temporary file left, and nothing recorded
(the outbox's attempt is not logged; the message is delivered once there is room again).

The store is put on a real 64 KiB tmpfs where mounting is allowed (root on Linux); the full disk
is also simulated by making the first or a middle chunk's write fail with ENOSPC."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import console_data
import pytest

from fairdebt.adapters import files
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.compliance.pack import builtin_packs
from fairdebt.errors import FairdebtError
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.outbox import LEASE, Worker, enqueue, new_key
from fairdebt.services.ports.outbox import NewMessage

MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CASE = "C-B0003"
BODY = "【示例消费金融有限公司】您好，您的借款已逾期，请及时还款。如有疑问请致电 400-000-0000。"


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (skipped where mounting is not allowed)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _fill(mount: Path) -> Path:
    """Use up every byte of the filesystem; the filler file, to free the room later."""
    filler = mount / "filler"
    with filler.open("wb", buffering=0) as handle:  # unbuffered: close has nothing to flush
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _leftovers(root: Path) -> list[Path]:
    """Every file under the store's objects, temporary ones included."""
    return [p for p in (root / "sha256").rglob("*") if p.is_file()] if root.exists() else []


def test_an_object_bigger_than_the_room_left_is_refused_whole(tiny: Path) -> None:
    store = FileEvidenceStore(tiny / "evidence")
    data = bytes(range(256)) * 400  # 100 KiB on a 64 KiB disk

    with pytest.raises(FairdebtError) as refused:
        store.put(data, "audio/webm")

    assert f"the disk is full at {tiny / 'evidence'}" in refused.value.cause
    assert "free space" in refused.value.hint and "retried" in refused.value.hint
    assert _leftovers(tiny / "evidence") == []
    assert store.check("sha256:" + __import__("hashlib").sha256(data).hexdigest()) == "missing"
    small = store.put(b"a short text", "text/plain")  # the store still works for what fits
    assert store.get(small) == b"a short text"


@pytest.mark.parametrize("failing_chunk", [0, 1], ids=["first-chunk", "middle-chunk"])
def test_enospc_at_a_chunk_leaves_no_partial_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_chunk: int
) -> None:
    store = FileEvidenceStore(tmp_path / "evidence")
    data = b"x" * (files.CHUNK * 3)
    written = []
    real = files._write

    def write(fd: int, chunk: memoryview) -> int:
        if len(written) == failing_chunk:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(chunk))
        return real(fd, chunk)

    monkeypatch.setattr(files, "_write", write)

    with pytest.raises(FairdebtError) as refused:
        store.put(data, "audio/webm")

    assert "the disk is full at" in refused.value.cause
    assert "No space left on device" in refused.value.cause
    assert _leftovers(tmp_path / "evidence") == []
    monkeypatch.setattr(files, "_write", real)
    assert store.get(store.put(data, "audio/webm")) == data  # the retry stores it whole


def test_a_quota_exceeded_reads_as_a_full_disk(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def write(fd: int, chunk: memoryview) -> int:
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(files, "_write", write)

    with pytest.raises(FairdebtError, match="the disk is full at"):
        FileEvidenceStore(tmp_path / "evidence").put(b"data", "text/plain")


def _queue(engine, portfolio) -> NewMessage:  # type: ignore[no-untyped-def]
    phone = portfolio.phones[CASE]
    request = ContactRequest(CASE, "sms", "debtor", "remind", phone, "in-house", "test", BODY)
    uow = SqlUnitOfWork(engine)
    with uow:
        decision = ask(uow, request, MORNING, builtin_packs(), "cn").decision
        assert decision.decision.value == "allow", decision.rules
        message = NewMessage(
            new_key(), CASE, None, "sms", "debtor", "remind", "in-house", "test", "cn", phone,
            "", BODY, "zh-CN", "", decision.id, MORNING, MORNING,
        )  # fmt: skip
        enqueue(uow, message)
        uow.commit()
    return message


def _types(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [e.type for e in SqlEventLog(conn).events(CASE)]


def test_the_outbox_on_a_full_disk_records_nothing_and_sends_later(engine, tiny: Path) -> None:
    with engine.begin() as conn:
        portfolio = console_data.build(conn, count=5)
    _queue(engine, portfolio)
    before = _types(engine)
    filler = _fill(tiny)
    sms = ConsoleChannel()
    store = FileEvidenceStore(tiny / "evidence")

    def worker() -> Worker:
        return Worker(SqlUnitOfWork(engine), {"sms": sms}, builtin_packs(), evidence=store)

    with pytest.raises(FairdebtError) as refused:
        worker().deliver_due(MORNING)

    assert "the disk is full at" in refused.value.cause
    assert _types(engine) == before  # no attempt logged, no event written
    assert sms.outbox == []  # nothing left the building without its evidence
    assert _leftovers(tiny / "evidence") == []
    with SqlUnitOfWork(engine) as uow:
        assert uow.outbox.listing(None, 1)[0].status != "sending"

    filler.unlink()
    later = MORNING + LEASE + timedelta(seconds=1)  # the claim ran out: the row is due again
    done = worker().drain(lambda: later)

    assert done.counts == {"sent": 1}
    assert len(sms.outbox) == 1
    assert _types(engine)[len(before) :].count("contact_recorded") == 1
    assert len(_leftovers(tiny / "evidence")) == 1
