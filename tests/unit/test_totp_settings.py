"""FAIRDEBT_REQUIRE_2FA_ROLES: who must use a second factor, by default and when set."""

from __future__ import annotations

import pytest

from fairdebt.errors import SettingsError
from fairdebt.settings import load_settings


def roles(**overrides: object) -> frozenset[str]:
    return load_settings(secret_key="a-real-secret-key", **overrides).second_factor_roles


def test_unset_it_is_the_oversight_roles_in_production_and_none_elsewhere():
    assert roles(env="production") == {"admin", "supervisor", "compliance"}
    assert roles(env="development") == frozenset()  # the demo signs in with passwords alone
    assert roles(env="test") == frozenset()


@pytest.mark.parametrize("value", ["", "none", " none "])
def test_empty_or_none_requires_it_of_no_role_even_in_production(value):
    assert roles(env="production", require_2fa_roles=value) == frozenset()


def test_a_list_is_read_with_spaces_forgiven():
    assert roles(require_2fa_roles=" admin, field_agent ") == {"admin", "field_agent"}


@pytest.mark.parametrize("value", ["borrower", "root", "admin,\x00"])
def test_an_unknown_or_non_staff_role_is_refused_with_the_variable_named(value):
    with pytest.raises(SettingsError, match="FAIRDEBT_REQUIRE_2FA_ROLES"):
        roles(require_2fa_roles=value)
