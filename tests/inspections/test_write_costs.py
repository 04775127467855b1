"""Writes cost a constant number of queries whatever the checklist size: creating an inspection snapshots its
results with one set-based INSERT, and answering one item reads the inspection once and answers with the contract's
full InspectionOut, serialised from the worksheet rows it read to save. Counted through the API as a client sees it
(the token lookup included), SAVEPOINT/RELEASE statements left out (the test's transaction turns every inner atomic
block into one). docs/benchmarks.md, "Writes", itemises both."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.inspections.helpers import publish, system_at_level

TODAY = date.today()
# Answering: token, memberships, the inspection locked (its inspector ids in the same statement), the worksheet,
# one UPDATE, the audit chain step (head, event, head).
ANSWER_AT_MOST = 8
# Creating, 15 (issue 21's limit), the first creation in a process included: 10 of its own (token, memberships, the
# system locked with what the actor holds over it, the checklist with the cycle and the last periodic inspection,
# the inspectors with their eligibility, INSERT, the snapshot INSERT … SELECT, the grants (the view permission's id
# inside the INSERT until the process knows it), the inspectors' rows, the worksheet for the response), the audit
# chain step for both events (2: the head, the INSERT, which moves the head by a trigger) and the notification (3:
# audience, users with their preferences, insert; a new inspection's key is not looked up). 20 before, 23 and 36
# earlier.
CREATE_AT_MOST = 10 + 2 + 3
# The page's form (without JavaScript; with it the page answers through the API above): the same seven statements
# after the session-signed request's own four (session, user, the second-factor rule, the session saved).
FORM_AT_MOST = 4 + 7
SIZES = {10: (2, 5), 163: (1, 163)}  # items: (sections, items per section)


def _statements(fn):
    with CaptureQueriesContext(connection) as ctx:
        resp = fn()
    sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    return len(sql), resp


def _costs(api, demo, items: int, level: int = 3) -> tuple[int, int, int, dict]:
    sections, per_section = SIZES[items]
    publish(level=level, sections=sections, items=per_section)
    system = system_at_level(level)
    api.get("me", demo.security_unit)  # tokens exist before counting
    api.get("me", demo.inspector)
    body = {"kind": "periodic", "scheduled_for": TODAY.isoformat(), "inspector_ids": [demo.inspector.pk]}
    create, resp = _statements(lambda: api.post(f"systems/{system.pk}/inspections", demo.security_unit, body))
    assert resp.status_code == 201, resp.content
    created = resp.json()
    assert created["total"] == items and created["inspector_ids"] == [demo.inspector.pk]
    assert api.get(f"inspections/{created['id']}", demo.security_unit).json() == created  # the same as a read
    iid = created["id"]
    assert api.post(f"inspections/{iid}/transitions/start", demo.inspector).status_code == 200
    first, second = created["results"][0]["item_id"], created["results"][1]["item_id"]
    answer, resp = _statements(
        lambda: api.put(f"inspections/{iid}/results", demo.inspector, [{"item_id": first, "result": "met", "note": ""}])
    )  # fmt: skip
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body == api.get(f"inspections/{iid}", demo.inspector).json()  # the contract's response, as a read gives it

    client = Client()
    client.force_login(demo.inspector)
    client.get(f"/inspections/{iid}/results/")  # session and caches warm
    form, page = _statements(
        lambda: client.post(f"/inspections/{iid}/results/", {f"result-{second}": "partial", f"note-{second}": "x"})
    )  # fmt: skip
    assert page.status_code == 302, page.content[:300]
    return create, answer, form, body


@pytest.mark.parametrize("items", sorted(SIZES))
def test_creating_and_answering_stay_within_their_counts(demo, api, items):
    create, answer, form, body = _costs(api, demo, items)
    # The contract's response is whole: every item, the one just answered among them, the score recomputed.
    assert body["total"] == items == len(body["results"]) and body["answered"] == 1
    assert body["results"][0]["result"] == "met" and body["score"] == 1.0
    assert "submit" in body["available_transitions"]
    assert create <= CREATE_AT_MOST and answer <= ANSWER_AT_MOST and form <= FORM_AT_MOST, (create, answer, form)


def test_the_counts_do_not_grow_with_the_checklist(demo, api):
    small = _costs(api, demo, 10, level=2)[:3]
    large = _costs(api, demo, 163, level=3)[:3]
    assert small == large, f"create/answer/form: {small} queries for 10 items, {large} for 163"
