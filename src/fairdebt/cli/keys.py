"""`fairdebt keys ...`: the keys that encrypt personal data at rest (docs/security.md).

- `list`: each key id, its role (active, reads older values, index) and how many stored values
  it encrypted, by table (the borrowers' contact details and the outbox's messages) and in the
  evidence store (the objects of every message sent);
- `rotate`: a new active data key (key file), then every value of both tables re-encrypted with
  it, in batches with a progress line, then every evidence object sealed again with it (and
  those kept in the clear sealed); with FAIRDEBT_DATA_KEYS, re-encrypts with the first key
  listed there;
- `rotate --retire KID`: drop an old key once no value and no evidence object uses it;
- `reindex`: a new index key (key file) and every phone/e-mail digest recomputed.
"""

from __future__ import annotations

from collections import Counter

import typer

keys_app = typer.Typer(help="Personal-data encryption keys (at rest).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


def _progress(done: int, total: int) -> None:
    from fairdebt.cli._common import console

    console.print(f"  {done:,}/{total:,} rows (borrowers, outbox)", highlight=False)


def _indexed(done: int, total: int) -> None:
    from fairdebt.cli._common import console

    console.print(f"  {done:,}/{total:,} borrowers", highlight=False)


def _objects(done: int) -> None:
    from fairdebt.cli._common import console

    console.print(f"  {done:,} evidence objects", highlight=False)


def _where(by_table: dict[str, Counter[str]], kid: str) -> str:
    """ "borrowers 6, outbox 3": where a key's values are (the tables using it)."""
    return ", ".join(f"{name} {used[kid]:,}" for name, used in by_table.items() if used[kid])


@keys_app.command("list")
def list_keys() -> None:
    """Key ids, roles and how many stored values each encrypted."""
    from fairdebt.adapters.db.crypto import keyring
    from fairdebt.adapters.db.key_rotation import EVIDENCE, usage_by_table
    from fairdebt.cli._common import out, services

    wired = services()
    engine = wired.engine
    ring = keyring()
    by_table = usage_by_table(engine, ring, wired.evidence)
    clear = by_table[EVIDENCE].pop("", 0)  # objects written before evidence was sealed
    used: Counter[str] = sum(by_table.values(), Counter())
    out.print(f"keys from {ring.source}", highlight=False)
    for kid, _key in ring.data:
        role = "active" if kid == ring.active else "reads older values"
        where = f" ({_where(by_table, kid)})" if used[kid] else ""
        out.print(f"data   {kid:<12} {role:<20} {used[kid]:,} values{where}", highlight=False)
    out.print(f"index  {ring.index[0]:<12} {'blind index':<20}", highlight=False)
    if used[""]:
        out.print(
            f"not encrypted: {used['']:,} values ({_where(by_table, '')}; "
            "run `fairdebt db upgrade`)",
            highlight=False,
        )
    if clear:
        out.print(
            f"not encrypted: {clear:,} evidence objects (run `fairdebt keys rotate`)",
            highlight=False,
        )


@keys_app.command()
def rotate(
    retire: str = typer.Option(
        None, "--retire", metavar="KID", help="Drop this old key (refused while values use it)."
    ),
) -> None:
    """A new active key and every value re-encrypted with it (or, with --retire, drop a key)."""
    from fairdebt.adapters.db import key_rotation as kr
    from fairdebt.adapters.db.crypto import keyring, write_key_file
    from fairdebt.cli._common import console, out, services
    from fairdebt.errors import FairdebtError

    wired = services()
    engine = wired.engine
    ring = keyring()
    from_file = ring.source != "FAIRDEBT_DATA_KEYS"
    if retire is not None:
        smaller = kr.retire(engine, ring, retire, wired.evidence)
        if not from_file:
            raise FairdebtError(
                f"no value uses key {retire!r} any more",
                hint="remove it from FAIRDEBT_DATA_KEYS yourself (it is read from the settings)",
            )
        from pathlib import Path

        write_key_file(Path(ring.source), smaller)
        out.print(f"key {retire} retired from {ring.source}", highlight=False)
        return
    if from_file:
        ring = kr.rotate_file(engine, ring, _progress)
    else:
        console.print(f"re-encrypting with {ring.active}, the first key of FAIRDEBT_DATA_KEYS")
        kr.reencrypt(engine, ring, _progress)
    resealed, unreadable = kr.reseal_evidence(wired.evidence, ring, _objects)
    console.print(f"  {resealed:,} evidence objects sealed again", highlight=False)
    if unreadable:
        raise FairdebtError(
            f"{len(unreadable):,} evidence objects do not open and were left as they are "
            f"(first: {unreadable[0]}); every other value is encrypted with key {ring.active}",
            hint="run `fairdebt audit verify` to list them; restore them from a backup, then "
            "run `fairdebt keys rotate` again",
        )
    out.print(
        f"every value now encrypted with key {ring.active}; keep the old key until you "
        f"retire it with `fairdebt keys rotate --retire KID`",
        highlight=False,
    )


@keys_app.command()
def reindex() -> None:
    """A new blind-index key (key file) and every phone/e-mail digest recomputed."""
    from pathlib import Path

    from fairdebt.adapters.db import key_rotation as kr
    from fairdebt.adapters.db.crypto import keyring, write_key_file
    from fairdebt.cli._common import out, services

    wired = services()
    engine = wired.engine
    ring = keyring()
    if ring.source != "FAIRDEBT_DATA_KEYS":
        ring = kr.new_index_key(ring)
        write_key_file(Path(ring.source), ring)
    count = kr.reindex(engine, ring, _indexed)
    out.print(f"{count:,} digests under index key {ring.index[0]}", highlight=False)
