import pytest

from fairdebt.errors import SettingsError
from fairdebt.settings import load_settings


def test_defaults_put_sqlite_in_the_data_directory(data_dir) -> None:
    settings = load_settings()

    assert settings.sqlalchemy_url == f"sqlite:///{(data_dir / 'fairdebt.db').as_posix()}"


def test_a_bad_port_is_one_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRDEBT_PORT", "eighty")

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert "FAIRDEBT_PORT" in caught.value.cause


def test_production_refuses_the_placeholder_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRDEBT_ENV", "production")

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert "secret_key" in caught.value.cause


def test_the_secret_can_come_from_a_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-value\n")
    monkeypatch.setenv("FAIRDEBT_ENV", "production")
    monkeypatch.setenv("FAIRDEBT_SECRET_KEY_FILE", str(secret))

    assert load_settings().secret_key.get_secret_value() == "s3cr3t-value"


def test_an_allocation_order_must_name_every_component(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRDEBT_ALLOCATION_ORDER", "fee,interest")

    with pytest.raises(SettingsError):
        load_settings()


def test_an_unknown_time_zone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRDEBT_TIMEZONE", "Asia/Atlantis")

    with pytest.raises(SettingsError):
        load_settings()


def test_every_setting_is_documented() -> None:
    from pathlib import Path

    from fairdebt.settings import Settings

    docs = (Path(__file__).parents[2] / "docs" / "settings.md").read_text(encoding="utf-8")

    missing = [n for n in Settings.model_fields if f"`FAIRDEBT_{n.upper()}`" not in docs]
    assert missing == []


def test_the_contact_phone_and_portal_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAIRDEBT_CONTACT_PHONE", " 95588 ")
    monkeypatch.setenv("FAIRDEBT_PORTAL_URL", "https://collect.example.cn/verify/")

    settings = load_settings()

    assert settings.contact_phone == "95588"
    assert settings.portal_url == "https://collect.example.cn/verify"  # no doubled slash later


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FAIRDEBT_PORTAL_URL", "collect.example.cn/verify"),
        ("FAIRDEBT_PORTAL_URL", "https://collect.example.cn/a b"),
        ("FAIRDEBT_CONTACT_PHONE", "call us"),
    ],
)
def test_a_phone_or_portal_a_borrower_could_not_use_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert name in caught.value.cause
