"""Violation cases handed to inspectors: the dog office assigns and hands cases on, an inspector takes an
unassigned case for himself, only inspectors handle cases, and each inspector finds "my cases".

Qian Jing works in the dog office; Liu Yang and Zhao Lei are inspectors; Sun Li (clinic) and Wang Fang
(water-saving office) have no say over cases.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civic.core.models import Role
from civic.dogs import actions, notify, views
from civic.dogs.models import CaseStatus, ViolationCase
from civic.dogs.testing import TODAY
from civic.notices.models import Notice, NoticeKind
from civic.testing import make_user, sign_in


@pytest.fixture
def zhao_lei(db):
    """A second inspector."""
    return make_user("zhaolei", Role.INSPECTOR, first_name="磊", last_name="赵")


def open_case(dogs, code="no_leash", place=None):
    case = ViolationCase(
        violation_type=dogs.violation_type(code),
        place=place or dogs.hutang_square,
        observed_on=TODAY,
        description="未束犬链",
    )
    return actions.open_case(case, dogs.cast.dog_office_staff)  # a complaint the office took down


def assign_url(case):
    return reverse("dogs:case_assign", args=[case.number])


def assignments(case):
    """(assignee, by) of each assignment kept in the case's history, oldest first."""
    records = case.history.filter(history_change_reason=actions.ASSIGNED).order_by("history_date", "history_id")
    return [(record.assignee.username, record.history_user.username) for record in records]


def test_the_dog_office_assigns_a_case_and_hands_it_to_another_inspector(client, dogs, zhao_lei):
    case = open_case(dogs)
    sign_in(client, dogs.cast.dog_office_staff)

    response = client.post(assign_url(case), {"assignee": dogs.cast.inspector.pk})
    assert response.status_code == 302 and response["Location"] == reverse("dogs:case_detail", args=[case.number])
    response = client.post(assign_url(case), {"assignee": zhao_lei.pk})
    assert response.status_code == 302

    case.refresh_from_db()
    assert case.assignee == zhao_lei
    assert assignments(case) == [("liuyang", "qianjing"), ("zhaolei", "qianjing")]
    # Each inspector given the case is told, once, with a link to it.
    told = Notice.objects.filter(kind=NoticeKind.CASE_ACTION, key__startswith="dogs.case_assigned:")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["liuyang", "zhaolei"]
    assert {notice.link for notice in told} == {reverse("dogs:case_detail", args=[case.number])}

    page = client.get(reverse("dogs:case_detail", args=[case.number]))
    assert page.context["assign_form"] is not None and not page.context["may_take"]
    assert [entry["assignee"] for entry in page.context["assignments"]] == [dogs.cast.inspector, zhao_lei]
    assert "赵磊" in page.text and 'id="assignment-history"' in page.text


def test_a_case_an_inspector_records_on_patrol_is_his(client, dogs):
    case = actions.open_case(
        ViolationCase(violation_type=dogs.violation_type("no_leash"), place=dogs.hutang_square, observed_on=TODAY),
        dogs.cast.inspector,
    )
    case.refresh_from_db()
    assert case.assignee == dogs.cast.inspector
    # His first history record shows it, by him; no one is told of what he did himself.
    assert [(entry["assignee"], entry["by"]) for entry in views.assignment_history(case)] == [
        (dogs.cast.inspector, dogs.cast.inspector)
    ]
    assert not Notice.objects.filter(key__startswith="dogs.case_assigned:").exists()
    mine = sign_in(client, dogs.cast.inspector).get(reverse("dogs:case_list"), {"mine": "on"})
    assert [listed.number for listed in mine.context["page"]] == [case.number]


def test_giving_a_case_to_the_inspector_who_has_it_records_nothing_new(dogs):
    case = open_case(dogs)
    actions.assign_case(case, dogs.cast.inspector, dogs.cast.dog_office_staff)
    actions.assign_case(case, dogs.cast.inspector, dogs.cast.dog_office_staff)
    assert assignments(case) == [("liuyang", "qianjing")]


def test_an_inspector_takes_an_unassigned_case_for_himself(client, dogs, zhao_lei):
    case = open_case(dogs)
    detail = sign_in(client, dogs.cast.inspector).get(reverse("dogs:case_detail", args=[case.number]))
    # An inspector is offered the case for himself, not the list of inspectors.
    assert detail.context["may_take"] and detail.context["assign_form"] is None
    assert 'id="take-case"' in detail.text

    response = client.post(assign_url(case), {"assignee": dogs.cast.inspector.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == dogs.cast.inspector
    assert assignments(case) == [("liuyang", "liuyang")]
    # No one is told of what he did himself.
    assert not Notice.objects.filter(key__startswith="dogs.case_assigned:").exists()
    # Once taken, the case is his: another inspector can no longer take it.
    response = sign_in(client, zhao_lei).post(assign_url(case), {"assignee": zhao_lei.pk})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.assignee == dogs.cast.inspector


def test_an_inspector_cannot_give_a_case_to_another_inspector(client, dogs, zhao_lei):
    case = open_case(dogs)
    response = sign_in(client, dogs.cast.inspector).post(assign_url(case), {"assignee": zhao_lei.pk})
    assert response.status_code == 403
    actions.assign_case(case, zhao_lei, dogs.cast.dog_office_staff)
    # Nor take back a case the dog office gave to someone else.
    response = client.post(assign_url(case), {"assignee": dogs.cast.inspector.pk})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.assignee == zhao_lei and assignments(case) == [("zhaolei", "qianjing")]


@pytest.mark.parametrize("person", ["clinic_staff", "bureau_staff", "newcomer"])
def test_people_outside_enforcement_cannot_assign_cases(client, dogs, person):
    case = open_case(dogs)
    response = sign_in(client, getattr(dogs.cast, person)).post(assign_url(case), {"assignee": dogs.cast.inspector.pk})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.assignee is None


def test_an_anonymous_visitor_is_sent_to_sign_in(client, dogs):
    case = open_case(dogs)
    response = client.post(assign_url(case), {"assignee": dogs.cast.inspector.pk})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    case.refresh_from_db()
    assert case.assignee is None


def test_the_form_lists_only_inspectors_and_names_the_field_when_given_anyone_else(client, dogs, zhao_lei):
    case = open_case(dogs)
    sign_in(client, dogs.cast.dog_office_staff)
    offered = client.get(reverse("dogs:case_detail", args=[case.number])).context["assign_form"]
    assert sorted(person.username for person in offered.fields["assignee"].queryset) == ["liuyang", "zhaolei"]

    response = client.post(assign_url(case), {"assignee": dogs.cast.clinic_staff.pk})
    assert response.status_code == 400
    assert list(response.context["assign_form"].errors) == ["assignee"]
    # The page is in Chinese, the county's language: the error says what to choose, and why.
    assert "请从所列执法人员中选择：案件只能由执法人员承办。" in response.text
    case.refresh_from_db()
    assert case.assignee is None


def test_the_action_refuses_an_assignee_who_is_not_an_active_inspector(dogs, zhao_lei):
    case = open_case(dogs)
    with pytest.raises(ValidationError) as refused:
        actions.assign_case(case, dogs.cast.clinic_staff, dogs.cast.dog_office_staff)
    assert list(refused.value.error_dict) == ["assignee"]
    assert "sunli" in refused.value.messages[0]
    zhao_lei.is_active = False
    zhao_lei.save()
    with pytest.raises(ValidationError) as refused:
        actions.assign_case(case, zhao_lei, dogs.cast.dog_office_staff)
    assert list(refused.value.error_dict) == ["assignee"] and "赵磊" in refused.value.messages[0]
    case.refresh_from_db()
    assert case.assignee is None and assignments(case) == []


def test_a_decided_case_is_not_assigned(dogs):
    case = open_case(dogs, "droppings")
    case = actions.decide_case(case, "warning", None, "初次违规", dogs.cast.dog_office_staff, TODAY)
    assert case.status == CaseStatus.DECIDED
    with pytest.raises(ValidationError) as refused:
        actions.assign_case(case, dogs.cast.inspector, dogs.cast.dog_office_staff)
    assert list(refused.value.error_dict) == ["assignee"]


def test_my_cases_shows_only_the_inspectors_own(client, dogs, zhao_lei):
    his = open_case(dogs)
    theirs = open_case(dogs, "droppings")
    no_ones = open_case(dogs, "no_leash", place=dogs.yancheng_park)
    actions.assign_case(his, dogs.cast.inspector, dogs.cast.dog_office_staff)
    actions.assign_case(theirs, zhao_lei, dogs.cast.dog_office_staff)

    def listed(person, **query):
        response = sign_in(client, person).get(reverse("dogs:case_list"), query)
        assert response.status_code == 200
        return [case.number for case in response.context["page"]]

    assert listed(dogs.cast.inspector, mine="on") == [his.number]
    assert listed(zhao_lei, mine="on") == [theirs.number]
    assert sorted(listed(dogs.cast.inspector)) == sorted([his.number, theirs.number, no_ones.number])
    # The assignee filter, for anyone on the list, and the cases no one handles yet.
    assert listed(dogs.cast.dog_office_staff, assignee=zhao_lei.pk) == [theirs.number]
    assert listed(dogs.cast.dog_office_staff, assignee="none") == [no_ones.number]
    # "My cases" goes with the search and the other filters.
    assert listed(dogs.cast.inspector, mine="on", q="淹城") == []
    assert listed(dogs.cast.inspector, mine="on", status="open", q=his.number) == [his.number]
    # The box is offered to inspectors, who handle cases; the dog office has none of its own.
    assert 'name="mine"' in client.get(reverse("dogs:case_list")).text  # Liu Yang, signed in last
    assert 'name="mine"' not in sign_in(client, dogs.cast.dog_office_staff).get(reverse("dogs:case_list")).text


def test_the_inspector_handling_a_case_is_told_when_its_deadline_passes(dogs, zhao_lei):
    # Liu Yang recorded the case on patrol; the dog office handed it to Zhao Lei. Both are told.
    case = actions.open_case(
        ViolationCase(violation_type=dogs.violation_type("no_leash"), place=dogs.hutang_square, observed_on=TODAY),
        dogs.cast.inspector,
    )
    actions.assign_case(case, zhao_lei, dogs.cast.dog_office_staff)
    case.refresh_from_db()
    assert {person.username for person in notify.case_workers(case)} == {"liuyang", "zhaolei"}


def test_the_further_case_of_an_unobeyed_order_goes_to_the_inspector_who_handled_it(dogs, zhao_lei):
    # [CZ-DOG-REG-2021]: an unvaccinated dog is fined and its owner ordered to correct within 15 days; not
    # corrected by then, a further case follows. Decided 2024-03-22, the deadline is 2024-04-06.
    case = open_case(dogs, "unvaccinated")
    decided_on = datetime.date(2024, 3, 22)
    case.observed_on = decided_on
    case.save()
    case = actions.assign_case(case, zhao_lei, dogs.cast.dog_office_staff)
    case = actions.decide_case(case, "fine", Decimal("800"), "", dogs.cast.dog_office_staff, decided_on)
    assert case.correct_by == datetime.date(2024, 4, 6)
    further = actions.follow_up(case, False, datetime.date(2024, 4, 7), dogs.cast.inspector)
    assert further is not None and further.assignee == zhao_lei
    # Its history shows it opened already in Zhao Lei's hands, by whoever recorded the follow-up.
    history = views.assignment_history(further)
    assert [(entry["assignee"], entry["by"]) for entry in history] == [(zhao_lei, dogs.cast.inspector)]


def test_the_history_shows_an_assignment_withdrawn_in_the_admin(dogs):
    case = open_case(dogs)
    actions.assign_case(case, dogs.cast.inspector, dogs.cast.dog_office_staff)
    case.refresh_from_db()
    case.assignee = None
    case._history_user = dogs.cast.bureau_admin
    case.save()
    history = views.assignment_history(case)
    assert [(entry["assignee"], entry["by"]) for entry in history] == [
        (dogs.cast.inspector, dogs.cast.dog_office_staff),
        (None, dogs.cast.bureau_admin),
    ]


def test_a_decision_after_an_assignment_is_not_recorded_as_one(dogs):
    case = actions.assign_case(open_case(dogs, "droppings"), dogs.cast.inspector, dogs.cast.dog_office_staff)
    actions.decide_case(case, "warning", None, "初次违规", dogs.cast.dog_office_staff, TODAY)
    reasons = list(case.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == [None, actions.ASSIGNED, None]
