"""`fairdebt backup --out DIR` as the docs show it for a nightly timer, by a new user: no keys
in the environment, a fresh data directory, and a backup folder that does not exist yet."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from cli_run import fairdebt
from portfolio_files import write_portfolio


def _new_user(data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("FAIRDEBT_DATA_KEYS", "FAIRDEBT_INDEX_KEY")
    }
    return env | {"FAIRDEBT_DATA_DIR": str(data_dir)}


def test_a_missing_out_folder_is_made_and_the_archive_named_by_the_time(tmp_path: Path) -> None:
    env = _new_user(tmp_path / "data")
    imported = fairdebt("import", str(write_portfolio(tmp_path / "p")), "-q", replace_env=env)
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "backups" / "fairdebt"  # `--out /var/backups/fairdebt`, first night

    made = fairdebt("backup", "--out", str(out), "--quiet", replace_env=env)

    assert made.returncode == 0 and "Traceback" not in made.stderr, made.stderr
    assert out.is_dir()  # was: a file named `fairdebt`, refused by every later night
    (archive,) = out.glob("fairdebt-backup-*.tar.gz")
    with tarfile.open(archive) as tar:
        assert "secrets/data/data-keys" in tar.getnames()  # the new user's key file too


def test_a_name_ending_in_tar_gz_is_the_archive_itself(tmp_path: Path) -> None:
    env = _new_user(tmp_path / "data")
    assert fairdebt("init", replace_env=env).returncode == 0

    made = fairdebt("backup", "--out", str(tmp_path / "b.tgz"), "-q", replace_env=env)

    assert made.returncode == 0, made.stderr
    assert tarfile.is_tarfile(tmp_path / "b.tgz")


def test_a_restore_onto_a_machine_that_ran_init_names_the_key_in_the_way(tmp_path: Path) -> None:
    """The other machine made its own key file on its first command: the refusal says what
    that key file is for, not what a signing key is for."""
    source = _new_user(tmp_path / "source")
    assert fairdebt("init", replace_env=source).returncode == 0
    made = fairdebt("backup", "--out", str(tmp_path / "b.tar.gz"), "-q", replace_env=source)
    assert made.returncode == 0, made.stderr
    other = _new_user(tmp_path / "other")
    assert fairdebt("init", replace_env=other).returncode == 0

    refused = fairdebt("restore", str(tmp_path / "b.tar.gz"), "-q", replace_env=other)

    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "data-keys exists and differs" in refused.stderr
    assert "personal data" in refused.stderr and "checkpoints" not in refused.stderr
    forced = fairdebt("restore", str(tmp_path / "b.tar.gz"), "-q", "--force", replace_env=other)
    assert forced.returncode == 0, forced.stdout + forced.stderr
