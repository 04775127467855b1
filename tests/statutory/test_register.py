"""The register of outgoing documents: one gap-free sequence per body and year, `15/QĐ-UBND`, a given number
checked unique, nothing taken by a rolled-back issue, and no number issued twice under concurrency (PostgreSQL)."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from accounts import registers
from accounts.models import RegisterEntry
from core.errors import Invalid

ON = datetime.date(2026, 9, 1)


def test_numbers_run_from_01_per_body_and_year_in_the_body_symbol(demo):
    province, unit = demo.org("QNI"), demo.org("QNI-SKHCN")
    first = registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON)
    second = registers.take_number(organization_id=province.pk, kind="TTr", issued_on=ON)
    other_body = registers.take_number(organization_id=unit.pk, kind="QD", issued_on=ON)
    next_year = registers.take_number(organization_id=province.pk, kind="QD", issued_on=datetime.date(2027, 1, 1))
    assert (first.number, first.sequence, first.year) == ("01/QĐ-UBND", 1, 2026)
    assert second.number == "02/TTr-UBND"
    assert other_body.number == "01/QĐ-SKHCN"
    assert next_year.number == "01/QĐ-UBND" and next_year.year == 2027


def test_an_official_letter_carries_no_kind_abbreviation_and_the_code_stands_in_for_a_missing_symbol(demo):
    commune = demo.org("QNI-HALONG")
    assert commune.document_symbol == ""
    letter = registers.take_number(organization_id=commune.pk, kind="CV", issued_on=ON)
    assert letter.number == "01/QNI-HALONG"


def test_a_given_number_is_recorded_once_and_refused_the_second_time_naming_the_field(demo):
    province = demo.org("QNI")
    entry = registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON, number=" 15/QĐ-UBND ")
    assert entry.number == "15/QĐ-UBND" and entry.sequence is None
    with pytest.raises(Invalid) as refused:
        registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON, number="15/QĐ-UBND")
    assert refused.value.status == 422
    assert refused.value.details[0]["field"] == "number"
    # Another year's register is another register.
    assert registers.take_number(
        organization_id=province.pk, kind="QD", issued_on=datetime.date(2027, 2, 1), number="15/QĐ-UBND"
    )


def test_an_auto_number_never_repeats_a_number_recorded_by_hand(demo):
    province = demo.org("QNI")
    registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON, number="01/QĐ-UBND")
    assert registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON).number == "02/QĐ-UBND"
    assert registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON).number == "03/QĐ-UBND"


def test_a_rolled_back_issue_leaves_no_gap(demo):
    province = demo.org("QNI")
    with pytest.raises(RuntimeError), transaction.atomic():
        registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON)
        raise RuntimeError("the document failed to save")
    assert registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON).number == "01/QĐ-UBND"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "XX"}, "kind"),
        ({"organization_id": 0}, "organization_id"),
        ({"number": "   "}, "number"),
        ({"number": "9" * 101}, "number"),
    ],
)
def test_bad_input_is_a_validation_error_naming_the_field(demo, kwargs, field):
    call = {"organization_id": demo.org("QNI").pk, "kind": "QD", "issued_on": ON} | kwargs
    with pytest.raises(Invalid) as refused:
        registers.take_number(**call)
    assert refused.value.details == [{"field": field, "message": refused.value.message}]
    assert not RegisterEntry.objects.exists()


def test_the_kinds_policy_cites_decree_30_and_uses_its_abbreviations():
    policy = registers.policy()
    assert "30/2020" in policy.basis
    symbols = {k: v.symbol for k, v in policy.kinds.items()}
    assert symbols.items() >= {"QD": "QĐ", "TTr": "TTr", "BC": "BC", "CV": ""}.items()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_share_a_number_and_leave_no_gap(demo):
    province = demo.org("QNI")
    workers, per_worker = 6, 5
    barrier = threading.Barrier(workers)
    numbers, failures = [], []

    def issue():
        try:
            barrier.wait(timeout=20)
            for _ in range(per_worker):
                with transaction.atomic():
                    numbers.append(registers.take_number(organization_id=province.pk, kind="QD", issued_on=ON).sequence)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert sorted(numbers) == list(range(1, workers * per_worker + 1))
    assert RegisterEntry.objects.filter(organization=province).count() == workers * per_worker
