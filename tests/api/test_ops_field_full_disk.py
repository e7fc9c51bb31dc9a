"""A field agent's recording chunk arriving while the evidence store's disk is full: refused with
the cause and hint (disk full at the folder), nothing stored or recorded, and the same chunk
accepted when the phone sends it again once there is room."""

from __future__ import annotations

import errno
import hashlib
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import console_data
import field_world
import pytest
from csrf_forms import carry_token, csrf_token_of
from fastapi.testclient import TestClient

from fairdebt.adapters import files
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.bootstrap import Services
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

NOW = datetime(2026, 7, 7, 3, 40, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> field_world.FieldWorld:
    folder = tmp_path_factory.mktemp("field-full")
    built = field_world.build(folder, NOW)
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    return replace(built, url=f"sqlite:///{tmp_path / 'field.db'}")


def _browser(world: field_world.FieldWorld, data_dir: Path) -> TestClient:
    settings = load_settings(
        database_url=world.url, secret_key="test-secret-key", locale="en", env="test",
        data_dir=data_dir, timezone=world.zone,
    )  # fmt: skip
    browser = TestClient(create_app(Services(settings, clock=FixedClock())), follow_redirects=False)
    form = {"username": "fieldagent", "password": console_data.PASSWORD}
    signed_in = browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)})
    assert signed_in.status_code == 303, signed_in.text
    carry_token(browser)
    lat, lon = world.place
    at_door = browser.post(f"/field/visits/{world.mine}/check-in", json={"lat": lat, "lon": lon})
    assert at_door.status_code == 200, at_door.text
    return browser


def _chunk(browser: TestClient, visit: str, data: bytes):  # type: ignore[no-untyped-def]
    return browser.post(
        f"/field/visits/{visit}/audio?seq=0",
        content=data,
        headers={
            "Content-Type": "audio/webm;codecs=opus",
            "X-Chunk-SHA256": hashlib.sha256(data).hexdigest(),
        },
    )


def test_a_chunk_on_a_full_disk_is_refused_cleanly_and_accepted_again(
    world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = _browser(world, tmp_path)
    data = b"opus" * 4096

    def full(fd: int, chunk: memoryview) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    real = files._write
    monkeypatch.setattr(files, "_write", full)
    refused = _chunk(browser, world.mine, data)
    monkeypatch.setattr(files, "_write", real)

    assert refused.status_code == 507  # the app keeps the chunk and sends it again
    assert refused.headers["retry-after"] == "30"
    body = refused.json()
    assert body["error"].startswith(f"the disk is full at {tmp_path / 'evidence'}")
    assert "free space" in body["hint"] and "retried" in body["hint"]
    engine = make_engine(world.url)
    with SqlUnitOfWork(engine) as uow:
        assert uow.visit_media.listing(world.mine) == []  # nothing recorded
    leftovers = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    digest = hashlib.sha256(data).hexdigest()
    assert all(digest[2:] not in p.name for p in leftovers)  # no partial object, no temp file

    again = _chunk(browser, world.mine, data)

    assert again.status_code == 200, again.text
    assert again.json()["again"] is False
    with SqlUnitOfWork(engine) as uow:
        assert len(uow.visit_media.listing(world.mine)) == 1
    engine.dispose()
    browser.close()
