"""FAIRDEBT_EVIDENCE_URL: which store each form of the setting opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairdebt.adapters.evidence import open_evidence_store
from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.adapters.evidence.s3 import S3EvidenceStore
from fairdebt.bootstrap import Services
from fairdebt.errors import FairdebtError
from fairdebt.settings import load_settings


def test_empty_is_the_evidence_directory_under_the_data_dir(tmp_path: Path) -> None:
    store = open_evidence_store("", tmp_path)

    assert isinstance(store, FileEvidenceStore) and store.root == tmp_path / "evidence"


def test_a_file_url_and_a_plain_path_name_a_directory(tmp_path: Path) -> None:
    by_url = open_evidence_store(f"file://{tmp_path}/my%20evidence", Path("unused"))
    by_path = open_evidence_store(str(tmp_path / "other"), Path("unused"))

    assert isinstance(by_url, FileEvidenceStore) and by_url.root == tmp_path / "my evidence"
    assert isinstance(by_path, FileEvidenceStore) and by_path.root == tmp_path / "other"


def test_an_s3_url_names_bucket_prefix_endpoint_and_region() -> None:
    store = open_evidence_store(
        "s3://fairdebt-evidence/prod/sms?endpoint=http://127.0.0.1:9000&region=eu-west-1",
        Path("unused"),
    )

    assert isinstance(store, S3EvidenceStore)
    assert (store.bucket, store.prefix) == ("fairdebt-evidence", "prod/sms")
    assert (store.endpoint_url, store.region) == ("http://127.0.0.1:9000", "eu-west-1")
    assert store.key_of("sha256:" + "ab" * 32) == "prod/sms/sha256/ab/" + "ab" * 31


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/evidence",
        "file://host/evidence",
        "file://relative",
        "s3:///no-bucket",
        "s3://bucket/p?endpoint=ftp://x",
        "s3://bucket/p?acl=public",
    ],
)
def test_a_url_it_cannot_use_is_one_readable_error(url: str) -> None:
    with pytest.raises(FairdebtError):
        open_evidence_store(url, Path("unused"))


def test_the_setting_refuses_an_unknown_scheme_and_services_open_the_store(
    tmp_path: Path,
) -> None:
    with pytest.raises(FairdebtError, match="FAIRDEBT_EVIDENCE_URL"):
        load_settings(evidence_url="ftp://x/y")

    services = Services(load_settings(data_dir=tmp_path))

    assert isinstance(services.evidence, FileEvidenceStore)
    assert services.evidence.root == tmp_path / "evidence"


def test_without_boto3_the_s3_store_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "boto3", None)  # import boto3 -> ImportError
    store = open_evidence_store("s3://bucket/prefix", Path("unused"))

    with pytest.raises(FairdebtError, match="needs boto3") as caught:
        store.check("sha256:" + "0" * 64)

    assert "fairdebt[s3]" in caught.value.hint
