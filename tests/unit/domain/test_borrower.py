import pytest

from fairdebt.domain.borrower import (
    Borrower,
    Coordinates,
    mask_name,
    mask_national_id,
    mask_phone,
    normalise_phone,
)
from fairdebt.domain.errors import DomainError, InvalidNationalIdError, InvalidPhoneError


def test_a_valid_resident_id_and_local_mobile_are_normalised() -> None:
    borrower = Borrower("B1", "张伟", "11010519491231002x", ("138 1234 5678",))

    assert borrower.national_id == "11010519491231002X"
    assert borrower.phones == ("+8613812345678",)


def test_a_resident_id_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidNationalIdError):
        Borrower("B1", "张伟", "110105194912310021")


def test_a_number_that_is_not_a_phone_is_refused() -> None:
    with pytest.raises(InvalidPhoneError):
        normalise_phone("555")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(DomainError):
        Borrower("B1", "张伟", timezone="Mars/Olympus")


def test_coordinates_must_be_on_earth() -> None:
    with pytest.raises(DomainError):
        Coordinates(91.0, 0.0)


def test_masks_keep_enough_to_recognise_and_not_enough_to_use() -> None:
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_national_id("11010519491231002X") == "110***********002X"
    assert mask_name("张三丰") == "张**"
    assert mask_name("John Smith") == "J*** S****"
