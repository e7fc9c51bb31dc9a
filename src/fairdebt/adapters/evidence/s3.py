"""Evidence on S3-compatible object storage (AWS S3, MinIO, Ceph, …), through boto3.

Objects are keyed like the file store: `<prefix>/sha256/<first 2 hex>/<other 62 hex>`. A put
sends the SHA-256 along (`ChecksumSHA256`), so the server itself refuses bytes damaged on the
way; bytes already stored are not sent again. `check` downloads the object and hashes it: a
checksum the server reports could be stale after a copy, the bytes cannot. Make the bucket
write-once (S3 Object Lock, or a policy without DeleteObject) for evidence nobody can remove
(but then `fairdebt keys rotate` cannot re-seal the objects: keep the old key instead).

Each object is stored sealed under the active personal-data key (sealing.py): the bucket holds
no phone, address or text in the clear; the checksum sent is the sealed bytes', the reference
the plain bytes'. `refs`, `stored` and `replace` serve key rotation (ports/evidence.py).

boto3 is the optional extra `s3` (`pip install 'fairdebt[s3]'`), imported only when a store is
made. Credentials come from boto3's usual places (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_PROFILE, the instance role).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

from fairdebt.adapters.evidence import sealing
from fairdebt.adapters.evidence.refs import digest_of, ref_of
from fairdebt.domain.evidence import PREFIX, is_ref
from fairdebt.errors import FairdebtError
from fairdebt.services.ports.evidence import Check

_ABSENT = frozenset({"404", "NoSuchKey", "NotFound"})
LIST_PAGE = 1_000  # keys per listing request (S3's largest page)


class S3EvidenceStore:
    """`EvidenceStore` on a bucket (module docstring). `client` is for tests and callers
    that share one; without it a client is made from `endpoint_url` and `region`."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        *,
        region: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise FairdebtError("the S3 evidence store needs a bucket", hint="s3://BUCKET/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.region = region
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _make_client(self.endpoint_url, self.region)
        return self._client

    def key_of(self, ref: str) -> str:
        digest = digest_of(ref)
        key = f"sha256/{digest[:2]}/{digest[2:]}"
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, data: bytes, media_type: str) -> str:
        ref = ref_of(data)
        key = self.key_of(ref)
        if self._exists(key):
            return ref
        self._upload(key, sealing.seal(ref, data), media_type)
        return ref

    def get(self, ref: str) -> bytes:
        stored = self.stored(ref)
        if stored is None:
            raise FairdebtError(
                f"no evidence object {ref} in s3://{self.bucket}/{self.prefix}",
                hint="run `fairdebt audit verify` to list every missing object",
            )
        data = sealing.unseal(ref, stored)
        if data is None:
            raise FairdebtError(
                f"evidence object {ref} does not match its hash (altered or truncated)",
                hint="run `fairdebt audit verify`; restore the object from a version or backup",
            )
        return data

    def check(self, ref: str) -> Check:
        stored = self.stored(ref)
        if stored is None:
            return "missing"
        return "ok" if sealing.unseal(ref, stored) is not None else "mismatch"

    def refs(self) -> Iterator[str]:
        start = f"{self.prefix}/sha256/" if self.prefix else "sha256/"
        token: dict[str, str] = {}
        while True:  # one page of keys per request, streamed: a store of millions is not held
            page = self._call(
                "list_objects_v2", Bucket=self.bucket, Prefix=start, MaxKeys=LIST_PAGE, **token
            )
            for item in page.get("Contents", ()):
                ref = PREFIX + str(item["Key"])[len(start) :].replace("/", "", 1)
                if is_ref(ref):
                    yield ref
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": str(page["NextContinuationToken"])}

    def stored(self, ref: str) -> bytes | None:
        return self._download(self.key_of(ref))

    def head(self, ref: str, size: int) -> bytes | None:
        key = self.key_of(ref)
        try:  # a ranged GET: the header, not the whole object
            found = self._download(key, Range=f"bytes=0-{max(size, 1) - 1}")
        except FairdebtError:  # an empty object (written in the clear) has no such range
            found = self._download(key)
        return None if found is None else found[:size]

    def replace(self, ref: str, stored: bytes) -> None:
        """One PUT over the key: S3 replaces an object whole (a reader sees old or new)."""
        key = self.key_of(ref)
        media_type = "application/octet-stream"
        with contextlib.suppress(_Absent, KeyError):  # keep the type the object was put with
            media_type = str(self._call("head_object", Bucket=self.bucket, Key=key)["ContentType"])
        self._upload(key, stored, media_type)

    def _upload(self, key: str, stored: bytes, media_type: str) -> None:
        checksum = base64.b64encode(hashlib.sha256(stored).digest()).decode("ascii")
        self._call(
            "put_object",
            Bucket=self.bucket,
            Key=key,
            Body=stored,
            ContentType=media_type or "application/octet-stream",
            ChecksumSHA256=checksum,
        )

    def _exists(self, key: str) -> bool:
        try:
            self._call("head_object", Bucket=self.bucket, Key=key)
        except _Absent:
            return False
        return True

    def _download(self, key: str, **options: str) -> bytes | None:
        try:
            answer = self._call("get_object", Bucket=self.bucket, Key=key, **options)
        except _Absent:
            return None
        body = answer["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    def _call(self, operation: str, **kwargs: Any) -> Any:
        """One S3 request; a missing object is _Absent, anything else a FairdebtError."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _ABSENT:
                raise _Absent from None
            raise FairdebtError(
                f"S3 refused {operation} on s3://{self.bucket}/{kwargs.get('Key', '')}: {code}",
                hint="check the bucket, its permissions and the AWS credentials",
            ) from None
        except BotoCoreError as exc:
            raise FairdebtError(
                f"cannot reach the S3 evidence store: {exc}",
                hint="check the endpoint in FAIRDEBT_EVIDENCE_URL and the AWS credentials",
            ) from None


class _Absent(Exception):
    """The object is not there (404)."""


def _make_client(endpoint_url: str | None, region: str | None) -> Any:
    try:
        import boto3
    except ImportError:
        raise FairdebtError(
            "the S3 evidence store needs boto3, which is not installed",
            hint="install the extra: pip install 'fairdebt[s3]' (or uv sync --extra s3)",
        ) from None
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
