import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from core.identity import (
    id_number_hmac,
    id_number_is_valid,
    id_number_mask,
    id_number_protect,
    id_number_reveal,
    id_number_validate,
)

VALID = "11010519491231002X"


def test_rules_md_example_is_valid_and_lowercase_x_is_normalized():
    assert id_number_validate(VALID) == VALID
    assert id_number_validate(" 11010519491231002x ") == VALID


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "1101051949123100AX",  # letters inside
        "110105194902300024",  # 30 February
    ],
)
def test_invalid_numbers_are_refused(number):
    assert not id_number_is_valid(number)


def test_birth_date_must_be_in_the_past():
    future = "11010520991231001"
    from core.identity import id_number_check_char

    number = future + id_number_check_char(future)
    with pytest.raises(ValidationError) as exc:
        id_number_validate(number, today=datetime.date(2026, 1, 1))
    assert exc.value.code == "id_birth"


def test_mask_shows_first_four_and_last_four():
    assert id_number_mask(VALID) == "1101**********002X"


def test_protect_stores_ciphertext_hmac_birth_date_and_mask_never_the_number():
    protected = id_number_protect(VALID)
    assert VALID not in protected.ciphertext
    assert protected.birth_date == datetime.date(1949, 12, 31)
    assert protected.masked == "1101**********002X"
    assert protected.hmac == id_number_hmac(VALID) == id_number_hmac("11010519491231002x")
    assert id_number_reveal(protected.ciphertext) == VALID


def test_ciphertext_differs_each_time_but_hmac_is_stable():
    first, second = id_number_protect(VALID), id_number_protect(VALID)
    assert first.ciphertext != second.ciphertext
    assert first.hmac == second.hmac


def test_hmac_depends_on_the_key(settings):
    before = id_number_hmac(VALID)
    settings.PII_HMAC_KEY = "b3RoZXItaG1hYy1rZXktdGhhdC1pcy0zMi1ieXRlcyE="
    assert id_number_hmac(VALID) != before


def test_tampered_ciphertext_is_refused():
    import base64

    from cryptography.exceptions import InvalidTag

    protected = id_number_protect(VALID)
    blob = bytearray(base64.urlsafe_b64decode(protected.ciphertext.split(":", 1)[1]))
    blob[15] ^= 1
    with pytest.raises(InvalidTag):
        id_number_reveal("v1:" + base64.urlsafe_b64encode(bytes(blob)).decode())


def test_bad_key_setting_is_a_configuration_error(settings):
    settings.PII_ENCRYPTION_KEY = "c2hvcnQ="
    with pytest.raises(ImproperlyConfigured):
        id_number_protect(VALID)


def test_without_keys_outside_production_a_key_is_derived_from_secret_key(settings):
    settings.PII_ENCRYPTION_KEY = ""
    settings.PII_HMAC_KEY = ""
    protected = id_number_protect(VALID)
    assert id_number_reveal(protected.ciphertext) == VALID


def test_production_refuses_to_run_without_keys(settings):
    settings.PII_ENCRYPTION_KEY = ""
    settings.SETTINGS_KIND = "prod"
    with pytest.raises(ImproperlyConfigured):
        id_number_protect(VALID)
