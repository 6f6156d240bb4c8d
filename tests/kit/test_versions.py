"""Optimistic concurrency: the expected_version argument and the row check
every service uses (pure functions)."""

import pytest

from shared.kit.validation import whole_number
from shared.kit.versions import check_version, expected_version
from shared.schemas.errors import PreconditionFailed, ValidationFailed


@pytest.mark.parametrize(("value", "expected"), [(None, None), (1, 1), (7, 7), ("3", 3), (" 12 ", 12), ("٣", 3)])
def test_expected_version_is_none_or_a_whole_number(value, expected):
    assert expected_version(value) == expected


@pytest.mark.parametrize("value", [0, -1, "0", "", " ", "two", "v1", "1.5", "²", "9" * 5000, 1.0, 1.5, True, False,
                                   [1], {"version": 1}])
def test_anything_else_is_a_field_error(value):
    with pytest.raises(ValidationFailed) as raised:
        expected_version(value)
    assert raised.value.errors == {"expected_version": ["A whole number of at least 1."]}
    assert raised.value.detail == "expected_version must be a whole number of at least 1."


def test_whole_number_names_its_argument_and_minimum():
    assert whole_number("0", "batches", 0) == 0
    with pytest.raises(ValidationFailed) as raised:
        whole_number(-1, "batches", 0)
    assert raised.value.errors == {"batches": ["A whole number of at least 0."]}


@pytest.mark.parametrize("expected", [None, 4])
def test_the_current_version_passes(expected):
    check_version({"version": 4}, expected, "account")


def test_a_stale_version_is_a_failed_precondition():
    with pytest.raises(PreconditionFailed) as raised:
        check_version({"version": 4}, 3, "account")
    assert raised.value.status == 412
    assert raised.value.extra == {"current_version": 4}
    assert raised.value.detail == (
        "The account was changed by someone else: it is at version 4 now, not 3. Fetch it again and retry.")
