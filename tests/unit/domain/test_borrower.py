import pytest

from fairdebt.domain.borrower import (
    Borrower,
    Coordinates,
    mask_address,
    mask_addressee,
    mask_email,
    mask_name,
    mask_national_id,
    mask_personal_data,
    mask_phone,
    mask_text,
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


def test_an_email_keeps_its_first_letter_and_domain() -> None:
    assert mask_email("zhang.san@example.cn") == "z***@example.cn"
    assert mask_email("not an address") == "****"


def test_an_address_keeps_only_its_city() -> None:
    assert mask_address("北京市朝阳路1号") == "北京市****"
    assert mask_address("12 Main St, Springfield") == "****, Springfield"
    assert mask_address("12 Main St") == "****"


@pytest.mark.parametrize(
    ("to", "masked"),
    [
        ("+8615781526568", "+86157****6568"),
        ("+86 157-8152-6568", "+86157****6568"),
        ("b1@example.cn", "b***@example.cn"),
        ("上海市静安路8号", "上海市****"),
    ],
)
def test_an_addressee_is_masked_as_what_it_is(to: str, masked: str) -> None:
    assert mask_addressee(to) == masked


def test_free_text_loses_phones_emails_and_ids_but_not_dates_or_hashes() -> None:
    text = "call 138-1234-5678 or +8615781526568, mail li.si@example.com, ID 11010519491231002X"
    digest = "ab13812345678cd 2026-06-30T09:30:00+00:00 f04800b1687311416"

    masked = mask_text(text + " " + digest)

    assert masked == (
        "call 138****5678 or +86157****6568, mail l***@example.com, ID 110***********002X " + digest
    )
    assert mask_text(text, keep_contact=True) == text.replace(
        "11010519491231002X", "110***********002X"
    )


NESTED = {
    "attempt": {"to": "+8615781526568", "channel": "sms", "collector": "lender-1"},
    "changed": {
        "phones": ["+8613922223333", "+8613944445555"],
        "contacts": [{"name": "李四", "address": "上海市静安路8号", "email": "li.si@example.com"}],
        "national_id": "11010519491231002X",
    },
    "reason": "asked to use 13911112222 instead",
    "amount_cents": 1380000000,
    "seqs": [1, 2],
}


def test_personal_data_is_masked_by_its_key_at_any_depth_and_in_free_text() -> None:
    masked = mask_personal_data(NESTED)

    assert masked == {
        "attempt": {"to": "+86157****6568", "channel": "sms", "collector": "lender-1"},
        "changed": {
            "phones": ["+86139****3333", "+86139****5555"],
            "contacts": [{"name": "李*", "address": "上海市****", "email": "l***@example.com"}],
            "national_id": "110***********002X",
        },
        "reason": "asked to use 139****2222 instead",
        "amount_cents": 1380000000,
        "seqs": [1, 2],
    }
    assert NESTED["attempt"]["to"] == "+8615781526568"  # a copy: the stored data is untouched


def test_roles_that_call_keep_contact_data_but_never_the_resident_id() -> None:
    kept = mask_personal_data(NESTED, keep_contact=True)

    assert kept["attempt"]["to"] == "+8615781526568"
    assert kept["changed"]["contacts"][0]["address"] == "上海市静安路8号"
    assert kept["reason"] == NESTED["reason"]
    assert kept["changed"]["national_id"] == "110***********002X"


def test_a_rejected_phone_number_is_not_repeated_in_the_error() -> None:
    import pytest

    from fairdebt.domain.borrower import normalise_phone
    from fairdebt.domain.errors import DomainError

    for bad in ("+86 138 0013 800", "13800138000123456", "call me at 1380013"):
        with pytest.raises(DomainError) as caught:
            normalise_phone(bad)
        digits = "".join(c for c in bad if c.isdigit())
        assert digits[:6] not in "".join(c for c in str(caught.value) if c.isdigit())
