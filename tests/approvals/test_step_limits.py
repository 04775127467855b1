"""Every step limit states its unit (Decree 85 Art. 16.2: appraisal in calendar days; approval in working days):
due dates, the dossier page, the JSON and the overdue figures follow it."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from approvals.models import DossierStep
from approvals.workdays import add_calendar_days, add_working_days, days_between
from tests import factories


def _page(client, user, url):
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(language="en")
    return client.get(url).content.decode()


def test_a_decree_85_level_3_appraisal_is_due_in_15_calendar_days(demo, api):
    dossier = factories.submitted_dossier(demo, 3, "decree_85_2016")
    step = dossier.steps.get(order=1)
    today = timezone.localdate()
    assert (step.kind, step.limit_days, step.limit_unit) == ("appraisal", 15, "calendar_days")
    assert step.due_date == add_calendar_days(today, 15)
    body = api.get(f"dossiers/{dossier.pk}", demo.operator).json()
    assert (body["steps"][0]["limit_days"], body["steps"][0]["limit_unit"]) == (15, "calendar_days")
    assert (body["steps"][1]["limit_days"], body["steps"][1]["limit_unit"]) == (7, "working_days")


def test_the_same_level_under_decree_331_is_due_in_15_working_days(demo):
    from approvals import services

    dossier = factories.submitted_dossier(demo, 3)
    services.accept_dossier(actor=demo.security_unit, dossier_id=dossier.pk)  # the clock starts at acceptance
    step = dossier.steps.get(order=1)
    assert (step.limit_days, step.limit_unit, step.due_date) == (
        15,
        "working_days",
        add_working_days(timezone.localdate(), 15),
    )


def test_the_page_states_each_limit_with_its_unit_and_counts_lateness_in_it(demo, client):
    dossier = factories.submitted_dossier(demo, 3, "decree_85_2016")
    url = f"/dossiers/{dossier.pk}/"
    html = _page(client, demo.operator, url)
    assert "Limit: 15 calendar days" in html and "Limit: 7 working days" in html
    assert "days late" not in html
    # The appraisal ran out ten calendar days ago.
    today = timezone.localdate()
    due = today - timedelta(days=10)
    DossierStep.objects.filter(pk=dossier.steps.get(order=1).pk).update(
        activated_on=due - timedelta(days=15), due_date=due
    )
    html = _page(client, demo.operator, url)
    assert "10 calendar days late" in html
    # A working-day step that ran out the same day is late by the working days in between, not by ten.
    step = dossier.steps.get(order=1)
    DossierStep.objects.filter(pk=step.pk).update(limit_unit="working_days")
    html = _page(client, demo.operator, url)
    assert f"{days_between(due, today, 'working_days')} working day" in html and "10 calendar days late" not in html


def test_the_dossier_detail_costs_the_same_queries_as_revisions_and_late_steps_pile_up(demo, api, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dossier = factories.submitted_dossier(demo, 3, "decree_85_2016")
    client.force_login(demo.operator)

    def counts():
        with CaptureQueriesContext(connection) as api_q:
            assert api.get(f"dossiers/{dossier.pk}", demo.operator).status_code == 200
        with CaptureQueriesContext(connection) as page_q:
            assert client.get(f"/dossiers/{dossier.pk}/").status_code == 200
        return len(api_q), len(page_q)

    def all_late():
        # Every step ran out: each is late, counted in its unit, with one holiday query for them all.
        past = timezone.localdate() - timedelta(days=40)
        DossierStep.objects.filter(dossier=dossier).update(activated_on=past, due_date=past + timedelta(days=5))

    api.get(f"dossiers/{dossier.pk}", demo.operator)  # warm the token and the session
    all_late()
    before = counts()
    for _ in range(3):
        api.post(f"dossiers/{dossier.pk}/transitions/return", demo.security_unit, {"comment": "bổ sung"})
        api.post(f"dossiers/{dossier.pk}/transitions/resubmit", demo.operator)
    all_late()
    assert dossier.steps.count() == 8
    assert counts() == before
