import pytest

from indexer.dates import DateError
from service.errors import QueryError
from service.search.periods import date_param, typed_date


@pytest.mark.parametrize(
    "typed, value, precision",
    [
        ("2019", "2019", "year"),
        ("2019-04", "2019-04", "month"),
        ("2019-04-15", "2019-04-15", "day"),
        ("15/04/2019", "2019-04-15", "day"),
        ("1/4/2019", "2019-04-01", "day"),
        ("15.04.2019", "2019-04-15", "day"),
        ("15-04-2019", "2019-04-15", "day"),
        ("04/2019", "2019-04", "month"),
        ("4/2019", "2019-04", "month"),
        (" 15/04/2019 ", "2019-04-15", "day"),
    ],
)
def test_dates_are_read_as_typed_iso_or_french(typed, value, precision):
    date = typed_date(typed)
    assert (date.value, date.precision) == (value, precision)


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("31/02/2020", "ce jour n'existe pas"),
        ("15/13/2019", "attendu AAAA, AAAA-MM, AAAA-MM-JJ, MM/AAAA ou JJ/MM/AAAA"),
        ("2019/04/15", "JJ/MM/AAAA"),
        ("15/04-2019", "JJ/MM/AAAA"),
        ("hier", "JJ/MM/AAAA"),
        ("15/04/19", "JJ/MM/AAAA"),
    ],
)
def test_a_date_that_is_not_one_says_what_is_expected(typed, reason):
    with pytest.raises(DateError, match=f"date invalide « {typed} » : .*{reason}"):
        typed_date(typed)


def test_a_bad_date_parameter_names_the_parameter():
    with pytest.raises(QueryError, match="paramètre « to »") as excinfo:
        date_param("32/01/2020", "to")
    assert excinfo.value.param == "to"
