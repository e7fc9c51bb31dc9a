"""The S3 evidence store against a real S3-compatible server: moto's, started on a free port."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from fairdebt.adapters.evidence import open_evidence_store  # noqa: E402
from fairdebt.adapters.evidence.s3 import S3EvidenceStore  # noqa: E402
from fairdebt.errors import FairdebtError  # noqa: E402

LETTER = b"%PDF-1.7\n" + bytes(range(256)) * 64
BUCKET = "fairdebt-evidence"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    try:
        yield url
    finally:
        server.stop()


def _store(endpoint: str) -> S3EvidenceStore:
    store = open_evidence_store(f"s3://{BUCKET}/cases?endpoint={endpoint}&region=us-east-1", None)  # type: ignore[arg-type]
    assert isinstance(store, S3EvidenceStore)
    return store


def _raw(endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def test_put_get_and_check_through_the_server(endpoint: str) -> None:
    store = _store(endpoint)

    ref = store.put(LETTER, "application/pdf")

    digest = hashlib.sha256(LETTER).hexdigest()
    assert ref == f"sha256:{digest}"
    assert store.get(ref) == LETTER and store.check(ref) == "ok"
    head = _raw(endpoint).head_object(Bucket=BUCKET, Key=f"cases/sha256/{digest[:2]}/{digest[2:]}")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(LETTER) + 8 + 12 + 16  # header (key t1), nonce, tag


def test_putting_stored_bytes_again_sends_nothing(endpoint: str) -> None:
    store = _store(endpoint)
    ref = store.put(LETTER, "application/pdf")
    calls: list[str] = []
    store.client.meta.events.register(
        "before-call.s3.*", lambda model, **_: calls.append(model.name)
    )

    assert store.put(LETTER, "application/pdf") == ref
    assert calls == ["HeadObject"]


def test_a_missing_and_an_altered_object_are_found(endpoint: str) -> None:
    store = _store(endpoint)
    gone = store.put(b"sms one", "text/plain")
    altered = store.put(b"sms two", "text/plain")
    raw = _raw(endpoint)
    raw.delete_object(Bucket=BUCKET, Key=store.key_of(gone))
    raw.put_object(Bucket=BUCKET, Key=store.key_of(altered), Body=b"sms 2")

    assert store.check(gone) == "missing"
    assert store.check(altered) == "mismatch"
    with pytest.raises(FairdebtError, match="no evidence object"):
        store.get(gone)
    with pytest.raises(FairdebtError, match="does not match"):
        store.get(altered)


def test_a_malformed_reference_never_becomes_a_key(endpoint: str) -> None:
    store = _store(endpoint)

    with pytest.raises(FairdebtError, match="not an evidence reference"):
        store.check("sha256:../../other-bucket/x")


def test_a_missing_bucket_and_an_unreachable_server_are_readable_errors(endpoint: str) -> None:
    no_bucket = open_evidence_store(f"s3://no-such-bucket?endpoint={endpoint}", None)  # type: ignore[arg-type]
    down = open_evidence_store(f"s3://{BUCKET}?endpoint=http://127.0.0.1:{_free_port()}", None)  # type: ignore[arg-type]

    with pytest.raises(FairdebtError, match="S3 refused"):
        no_bucket.put(b"x", "text/plain")
    with pytest.raises(FairdebtError, match="cannot reach"):
        down.check("sha256:" + "0" * 64)
