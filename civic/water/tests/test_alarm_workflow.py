"""The alarm workflow: customer and night-flow alarms assigned, contacted and closed with an outcome; the
precision their outcomes measure; and thresholds previewed on the analysed period before they are saved.

The alarms are those of Hongxing's and Fenghuang's two hand-worked days (hydro/tests/readings_cases.py):
C-LEAK, C-BURST and C-REVERSE in Hongxing (HX), C-GAP in Fenghuang (FH). Precision = TP / (TP + FP),
Fawcett (2006), section 2; which outcome is true for which kind is hydro.readings.alarm_outcomes' table.
"""

import datetime

import pytest
from django.urls import reverse

from civic.notices.models import Notice, NoticeKind, NoticePreferences
from civic.testing import sign_in
from civic.water import actions
from civic.water.actions import (
    AlarmWorkflowError,
    alarm_precision,
    anomaly_settings_from,
    assign_alarm,
    close_alarm,
    metering_parameters_on,
    preview_thresholds,
    record_contact,
    reopen_alarm,
    save_metering_parameters,
)
from civic.water.models import AlarmStatus, CustomerAlarm, DmaNightFlowAlarm, MeteringParameters, MeteringRun
from civic.water.testing import make_run
from hydro.readings.analysis import AnomalySettings


@pytest.fixture
def run(cast, tmp_path) -> MeteringRun:
    return make_run(cast, tmp_path)


def night_alarm(run: MeteringRun, dma: str) -> DmaNightFlowAlarm:
    return DmaNightFlowAlarm.objects.create(
        run=run, dma_code=dma, start=datetime.date(2024, 3, 1), detected=datetime.date(2024, 3, 2), excess_m3_per_h=2.5
    )


def alarm_of(meter: str) -> CustomerAlarm:
    return CustomerAlarm.objects.get(meter_code=meter)


def test_an_alarm_keeps_its_meter_s_dma_and_the_run_its_zones(run):
    assert alarm_of("C-LEAK").dma_code == "HX"
    assert alarm_of("C-GAP").dma_code == "FH"
    assert ["C-GAP", "FH", "customer"] in run.zones


def test_an_alarm_walks_from_raised_to_closed_and_keeps_each_step(cast, run):
    alarm = alarm_of("C-LEAK")
    assert alarm.status == AlarmStatus.NEW
    alarm = assign_alarm(alarm, cast.bureau_staff, cast.bureau_admin)
    assert (alarm.status, alarm.assignee) == (AlarmStatus.ASSIGNED, cast.bureau_staff)
    alarm = record_contact(alarm, "电话联系用户，卫生间水箱一直在流水", cast.bureau_staff)
    assert alarm.status == AlarmStatus.CONTACTED
    alarm = close_alarm(alarm, "confirmed_leak", "更换水箱进水阀", cast.bureau_staff)
    assert (alarm.status, alarm.outcome, alarm.closed_by) == (AlarmStatus.CLOSED, "confirmed_leak", cast.bureau_staff)
    assert alarm.closed_at is not None
    steps = list(alarm.history.order_by("history_date").values_list("history_change_reason", "history_user__username"))
    # The first record is the alarm as the analysis raised it, run by the cast's network analyst.
    assert steps == [("raised", "chenjie"), ("assigned", "zhouhua"), ("contacted", "wangfang"), ("closed", "wangfang")]


def test_a_closed_alarm_takes_no_step_but_reopening(cast, run):
    alarm = close_alarm(alarm_of("C-BURST"), "customer_use", "", cast.bureau_staff)
    with pytest.raises(AlarmWorkflowError, match="已办结"):
        close_alarm(alarm, "confirmed_leak", "", cast.bureau_staff)
    with pytest.raises(AlarmWorkflowError, match="已办结"):
        assign_alarm(alarm, cast.network_analyst, cast.bureau_staff)
    alarm = reopen_alarm(alarm, cast.bureau_admin)
    assert (alarm.status, alarm.outcome, alarm.closed_at) == (AlarmStatus.NEW, "", None)


def test_an_outcome_must_be_one_of_the_alarm_s_own(cast, run):
    with pytest.raises(AlarmWorkflowError, match="所列处理结果"):
        close_alarm(alarm_of("C-BURST"), "leak_repaired", "", cast.bureau_staff)
    with pytest.raises(AlarmWorkflowError, match="所列处理结果"):
        close_alarm(night_alarm(run, "HX"), "confirmed_leak", "", cast.bureau_staff)
    assert not CustomerAlarm.objects.filter(status=AlarmStatus.CLOSED).exists()


def test_a_night_flow_leak_repaired_needs_the_volume_recovered(cast, run):
    alarm = night_alarm(run, "HX")
    with pytest.raises(AlarmWorkflowError, match="挽回的水量"):
        close_alarm(alarm, "leak_repaired", "", cast.network_analyst)
    alarm = close_alarm(alarm, "leak_repaired", "DN100 管道接口漏水，已修复", cast.network_analyst, 180.0)
    assert (alarm.outcome, alarm.volume_recovered_m3) == ("leak_repaired", 180.0)


def close_the_worked_example(cast, run) -> None:
    """Six outcomes whose precision is worked by hand below."""
    staff = cast.bureau_staff
    close_alarm(alarm_of("C-LEAK"), "confirmed_leak", "", staff)  # HX, true
    close_alarm(alarm_of("C-BURST"), "customer_use", "", staff)  # HX, false
    close_alarm(alarm_of("C-REVERSE"), "meter_fault", "", staff)  # HX, true
    close_alarm(alarm_of("C-GAP"), "no_access", "", staff)  # FH, no finding
    close_alarm(night_alarm(run, "HX"), "leak_repaired", "", staff, 120.0)  # HX, true
    close_alarm(night_alarm(run, "FH"), "no_leak_found", "", staff)  # FH, false


def test_outcomes_measure_the_precision_per_kind_and_per_dma(cast, run):
    close_the_worked_example(cast, run)
    measured = alarm_precision()
    # Per kind: continuous flow 1/1, burst 0/1, reverse 1/1, gap nothing judged, night flow 1/2.
    assert {kind: counts.precision for kind, counts in measured.by_kind.items()} == {
        "burst": 0.0,
        "continuous_flow": 1.0,
        "gap": None,
        "night_flow": 0.5,
        "reverse": 1.0,
    }
    # HX: leak, reverse and its night flow true, the burst false: 3 / 4. FH: the night flow false, the gap
    # unseen: 0 / 1. All: 3 true of 5 judged = 0.6, one closed without a finding.
    assert measured.by_dma["HX"].precision == pytest.approx(0.75)
    assert (measured.by_dma["FH"].precision, measured.by_dma["FH"].undetermined) == (0.0, 1)
    assert (measured.overall.true, measured.overall.judged, measured.overall.undetermined) == (3, 5, 1)
    assert measured.overall.precision == pytest.approx(0.6)
    assert measured.volume_recovered_m3 == 120.0
    assert measured.open_by_kind == {}


def test_the_preview_reruns_the_period_with_the_proposed_thresholds_and_writes_nothing(cast, run):
    close_the_worked_example(cast, run)
    rows_before = MeteringParameters.objects.count()
    # The run used 48 h of leak persistence and 3 h gaps. 72 h cannot fit in two days, and C-GAP's hole is
    # 4 h: with 72 h and 6 h only the burst and the reverse flow are raised.
    values = {"continuous_flow_hours": 72.0, "stuck_hours": 72.0, "gap_hours": 6.0}
    preview = preview_thresholds(run, anomaly_settings_from(values))
    assert preview.current_by_kind == {"burst": 1, "continuous_flow": 1, "gap": 1, "reverse": 1}
    assert preview.proposed_by_kind == {"burst": 1, "reverse": 1}
    # Judged: C-LEAK true (dropped), C-REVERSE true (kept), C-BURST false (kept), C-GAP no finding (dropped).
    effect = preview.effect
    assert (effect.kept_true, effect.dropped_true, effect.kept_false, effect.dropped_false) == (1, 1, 1, 0)
    assert (effect.kept_undetermined, effect.dropped_undetermined) == (0, 1)
    assert preview.judged == 4
    assert MeteringParameters.objects.count() == rows_before
    assert CustomerAlarm.objects.count() == 4


def test_the_thresholds_as_they_are_keep_every_judged_alarm(cast, run):
    close_the_worked_example(cast, run)
    preview = preview_thresholds(
        run, anomaly_settings_from({"continuous_flow_hours": 48.0, "stuck_hours": 72.0, "gap_hours": 3.0})
    )
    assert preview.proposed_by_kind == preview.current_by_kind
    assert (preview.effect.kept_true, preview.effect.kept_false, preview.effect.kept_undetermined) == (2, 1, 1)


def test_new_thresholds_are_a_new_dated_row(cast, db):
    values = {
        "effective_from": datetime.date(2025, 1, 1),
        "night_window_start_hour": 2,
        "night_window_end_hour": 4,
        "night_use_l_per_h_per_connection": 1.7,
        "baseline_nights": 14,
        "continuous_flow_hours": 96.0,
        "stuck_hours": 72.0,
        "gap_hours": 12.0,
        "stuck_balance_share": 1.0,
        "stuck_balance_sigmas": 3.0,
        "stuck_balance_days": 7,
        "episode_merge_hours": 48.0,
        "night_flow_threshold_sigma": 5.0,
    }
    row = save_metering_parameters(values, cast.bureau_admin)
    assert (row.continuous_flow_hours, row.history.get().history_user) == (96.0, cast.bureau_admin)
    assert (row.stuck_balance_share, row.stuck_balance_sigmas, row.stuck_balance_days) == (1.0, 3.0, 7)
    # From 2025 the analysis joins a meter's anomalies of one kind less than 48 h apart into one episode, and a
    # later analysis continues an open alarm within 48 h of its end.
    assert metering_parameters_on(datetime.date(2025, 1, 1))[1].merge_hours == 48.0
    assert metering_parameters_on(datetime.date(2024, 12, 31))[1].merge_hours == AnomalySettings().merge_hours
    # The night-flow CUSUM proposed (h = 5) and the one not proposed (k, the model's 0.75) reach the analysis.
    night = metering_parameters_on(datetime.date(2025, 1, 1))[0]
    assert (night.cusum_threshold_sigma, night.cusum_allowance_sigma) == (5.0, 0.75)
    with pytest.raises(AlarmWorkflowError, match="该日期起施行的阈值已存在"):
        save_metering_parameters(values, cast.bureau_admin)


PROPOSAL = {
    "effective_from": "2024-06-01",
    "continuous_flow_hours": 48,
    "stuck_hours": 72,
    "gap_hours": 3,
    "stuck_balance_share": 0.5,
    "stuck_balance_sigmas": 3,
    "stuck_balance_days": 7,
    "night_window_start_hour": 2,
    "night_window_end_hour": 4,
    "night_use_l_per_h_per_connection": 1.7,
    "baseline_nights": 14,
}
"""Proposed thresholds as the thresholds page posts them: those of the run's row (48 h, 72 h, 3 h), from June."""


# --- pages ------------------------------------------------------------------------------------------------


def test_the_alarm_list_filters_by_status_dma_assignee_and_outcome(client, cast, run):
    assign_alarm(alarm_of("C-LEAK"), cast.bureau_staff, cast.bureau_admin)
    close_alarm(alarm_of("C-BURST"), "customer_use", "", cast.bureau_staff)
    sign_in(client, cast.network_analyst)
    url = reverse("water:customer_alarm_list")

    def meters(**query):
        return sorted(alarm.meter_code for alarm in client.get(url, query).context["page"])

    assert meters(status="open") == ["C-GAP", "C-LEAK", "C-REVERSE"]
    assert meters(status="closed") == ["C-BURST"]
    assert meters(dma="FH") == ["C-GAP"]
    assert meters(assignee=cast.bureau_staff.pk) == ["C-LEAK"]
    assert meters(outcome="customer_use") == ["C-BURST"]
    assert meters(q="rev", kind="reverse") == ["C-REVERSE"]


def test_the_alarm_page_walks_the_workflow_and_shows_its_timeline(client, cast, run):
    alarm = alarm_of("C-LEAK")
    sign_in(client, cast.bureau_staff)
    step = lambda name: reverse("water:customer_alarm_step", args=[alarm.pk, name])  # noqa: E731
    assert client.post(step("assign"), {"assignee": cast.bureau_staff.pk}).status_code == 302
    assert client.post(step("contact"), {"note": "已电话联系"}).status_code == 302
    assert client.post(step("close"), {"outcome": "confirmed_leak", "note": "马桶漏水"}).status_code == 302
    response = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk]))
    assert [entry["step"] for entry in response.context["timeline"]] == ["raised", "assigned", "contacted", "closed"]
    assert "马桶漏水" in response.content.decode()
    assert alarm_of("C-LEAK").closed_by == cast.bureau_staff


def test_a_step_with_a_bad_form_explains_the_field_and_changes_nothing(client, cast, run):
    alarm = alarm_of("C-LEAK")
    sign_in(client, cast.bureau_staff)
    response = client.post(reverse("water:customer_alarm_step", args=[alarm.pk, "close"]), {"outcome": "flood"})
    assert response.status_code == 400
    assert "flood" in str(response.context["close_form"].errors["outcome"])
    response = client.post(reverse("water:customer_alarm_step", args=[alarm.pk, "contact"]), {"note": ""})
    assert response.status_code == 400
    assert response.context["contact_form"].errors["note"]
    assert alarm_of("C-LEAK").status == AlarmStatus.NEW


def test_closing_needs_an_outcome_chosen_the_list_starts_blank(client, cast, run):
    # The measured precision is made of the outcomes: none is recorded for having come first in the list.
    alarm = alarm_of("C-LEAK")
    sign_in(client, cast.bureau_staff)
    page = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk]))
    assert page.context["close_form"]["outcome"].value() is None
    assert next(iter(page.context["close_form"].fields["outcome"].choices))[0] == ""
    response = client.post(reverse("water:customer_alarm_step", args=[alarm.pk, "close"]), {"note": "看过了"})
    assert response.status_code == 400
    assert response.context["close_form"].errors["outcome"]
    assert alarm_of("C-LEAK").status == AlarmStatus.NEW


def test_a_night_flow_alarm_closed_as_repaired_without_a_volume_is_refused_on_the_field(client, cast, run):
    alarm = night_alarm(run, "HX")
    sign_in(client, cast.network_analyst)
    url = reverse("water:night_flow_alarm_step", args=[alarm.pk, "close"])
    response = client.post(url, {"outcome": "leak_repaired"})
    assert response.status_code == 400
    assert response.context["close_form"].errors["volume_recovered_m3"]
    assert client.post(url, {"outcome": "leak_repaired", "volume_recovered_m3": "35.5"}).status_code == 302
    alarm.refresh_from_db()
    assert (alarm.status, alarm.volume_recovered_m3) == (AlarmStatus.CLOSED, 35.5)
    listed = client.get(reverse("water:night_flow_alarm_list"), {"outcome": "leak_repaired"}).context["page"]
    assert [row.pk for row in listed] == [alarm.pk]


def test_a_step_on_a_closed_alarm_says_why_it_was_refused(client, cast, run):
    alarm = close_alarm(alarm_of("C-GAP"), "data_error", "", cast.bureau_staff)
    sign_in(client, cast.bureau_staff)
    response = client.post(
        reverse("water:customer_alarm_step", args=[alarm.pk, "assign"]), {"assignee": cast.bureau_staff.pk}, follow=True
    )
    assert "此报警已办结，请先重新打开。" in response.content.decode()
    assert alarm_of("C-GAP").assignee is None


def test_the_precision_page_shows_the_measured_precision(client, cast, run):
    close_the_worked_example(cast, run)
    sign_in(client, cast.bureau_admin)
    response = client.get(reverse("water:alarm_precision"))
    kinds = {kind: counts for kind, _label, counts, _open in response.context["kinds"]}
    assert kinds["night_flow"].precision == 0.5
    assert 'id="precision-by-dma"' in response.content.decode()


def test_the_thresholds_page_previews_then_saves_a_new_row(client, cast, run):
    sign_in(client, cast.bureau_admin)
    url = reverse("water:metering_thresholds")
    form = client.get(url).context["form"]
    assert form.initial["continuous_flow_hours"] == 48
    proposal = {**PROPOSAL, "continuous_flow_hours": 72, "gap_hours": 6}
    response = client.post(url, {**proposal, "preview": "1"})
    assert response.status_code == 200
    assert response.context["preview"].proposed_by_kind == {"burst": 1, "reverse": 1}
    assert MeteringParameters.objects.count() == 1
    response = client.post(url, {**proposal, "save": "1"})
    assert response.status_code == 302
    assert MeteringParameters.objects.get(effective_from=datetime.date(2024, 6, 1)).gap_hours == 6


def test_the_thresholds_form_explains_impossible_values(client, cast, run):
    sign_in(client, cast.network_analyst)
    response = client.post(
        reverse("water:metering_thresholds"),
        {
            "effective_from": "2024-01-01",
            "continuous_flow_hours": 0,
            "stuck_hours": 72,
            "gap_hours": 6,
            "stuck_balance_share": 0.5,
            "stuck_balance_sigmas": 3,
            "stuck_balance_days": 7,
            "night_window_start_hour": 4,
            "night_window_end_hour": 2,
            "night_use_l_per_h_per_connection": 1.7,
            "baseline_nights": 14,
            "save": "1",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"effective_from", "continuous_flow_hours", "night_window_end_hour"}
    assert MeteringParameters.objects.count() == 1


@pytest.fixture
def settings_previewed(monkeypatch) -> list[AnomalySettings]:
    """The settings each preview the page asks for, in order (the preview itself still runs)."""
    previewed: list[AnomalySettings] = []
    preview = actions.preview_thresholds

    def recording_preview(run, settings, *args, **kwargs):
        previewed.append(settings)
        return preview(run, settings, *args, **kwargs)

    monkeypatch.setattr(actions, "preview_thresholds", recording_preview)
    return previewed


def test_the_thresholds_page_previews_the_proposed_stuck_balance_test(client, cast, run, settings_previewed):
    # The run's row keeps hydro's balance test (a rise of 0.5 of the meter's usual use, 3 standard errors, a
    # week each side): the page offers it, and previews the proposal's 1.0, 2 and 5 days as proposed.
    sign_in(client, cast.network_analyst)
    url = reverse("water:metering_thresholds")
    initial = client.get(url).context["form"].initial
    assert (initial["stuck_balance_share"], initial["stuck_balance_sigmas"], initial["stuck_balance_days"]) == (
        0.5,
        3.0,
        7,
    )
    proposal = {
        **PROPOSAL,
        "stuck_balance_share": 1.0,
        "stuck_balance_sigmas": 2,
        "stuck_balance_days": 5,
        "preview": "1",
    }
    assert client.post(url, proposal).status_code == 200
    [previewed] = settings_previewed
    assert (previewed.stuck_balance_share, previewed.stuck_balance_sigmas, previewed.stuck_balance_days) == (1.0, 2, 5)
    assert MeteringParameters.objects.count() == 1


@pytest.mark.parametrize(
    ("proposed", "defaults", "shown"),
    [
        (
            {
                "burst_hours": 4,
                "burst_usual_peak_factor": 5,
                "burst_short_hours": 2,
                "burst_short_usual_peak_factor": 8,
            },
            (3.0, 4.0, 1.0, 10.0),
            '<td class="number">4</td><td class="number">5</td><td class="number">2</td><td class="number">8</td>',
        ),
        (
            {"burst_habit_share": 0.8, "burst_habit_days": 2, "gap_lost_readings": 1, "shared_gap_meters": 5},
            (0.5, 3, 2, 3),
            '<td class="number">0.80</td><td class="number">2</td><td class="number">1</td><td class="number">5</td>',
        ),
    ],
    ids=["burst test", "habit and gap rules"],
)
def test_the_thresholds_page_previews_and_keeps_the_proposed_rules(
    client, cast, run, settings_previewed, proposed, defaults, shown
):
    # Not sent, the bursts' hours and usual-peak factors keep hydro's 3 h and 4, and 1 h and 10 for short ones;
    # a burst's habit half its flow on three other days, the readings a gap loses 2 and the meters whose gaps
    # make an outage 3. Proposed (a county whose daily meters seldom lose one reading proposes 1), they are
    # previewed so, saved with the row, shown among the thresholds in force, and the analysis of a day from its
    # date on takes them.
    sign_in(client, cast.network_analyst)
    url = reverse("water:metering_thresholds")
    assert client.post(url, {**PROPOSAL, "preview": "1"}).status_code == 200
    assert client.post(url, {**PROPOSAL, **proposed, "preview": "1"}).status_code == 200

    def chosen(settings: AnomalySettings) -> tuple[float, ...]:
        return tuple(getattr(settings, name) for name in proposed)

    assert [chosen(s) for s in settings_previewed] == [defaults, tuple(proposed.values())]
    assert client.post(url, {**PROPOSAL, **proposed, "save": "1"}).status_code == 302
    effective_from = datetime.date.fromisoformat(str(PROPOSAL["effective_from"]))
    _night, anomalies = metering_parameters_on(effective_from)
    assert chosen(anomalies) == tuple(proposed.values())
    assert shown in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("burst_habit_share", 0),
        ("burst_habit_days", 0),
        ("gap_lost_readings", 0),
        ("gap_lost_readings", 1.5),
        ("shared_gap_meters", 1),
        ("burst_hours", 0.5),
        ("burst_usual_peak_factor", 0.5),
        ("burst_short_hours", 0.5),
        ("burst_short_usual_peak_factor", 51),
        ("stuck_balance_share", 0),
        ("stuck_balance_share", 2.5),
        ("stuck_balance_sigmas", 0),
        ("stuck_balance_days", 0),
        ("stuck_balance_days", 1.5),
        ("night_flow_allowance_sigma", -0.1),
        ("night_flow_allowance_sigma", 3),
        ("night_flow_threshold_sigma", 0.4),
    ],
)
def test_the_thresholds_preview_refuses_a_stuck_balance_test_out_of_range(client, cast, run, field, value):
    # The share must lie in (0, 2], the standard errors above 0, the days a whole number from 1 (and the habit's
    # share above 0, its days, the readings a gap loses from 1, the meters of an outage from 2); a night-flow
    # night counts for at most 3 σ, so k must stay within [0, 2.5] (at 3 no night could count) and h from 0.5.
    sign_in(client, cast.network_analyst)
    proposal = {**PROPOSAL, "preview": "1"}
    response = client.post(reverse("water:metering_thresholds"), {**proposal, field: value})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {field}
    assert response.context["preview"] is None
    assert MeteringParameters.objects.count() == 1


def test_the_admin_lists_alarms_and_their_history(client, cast, run):
    alarm = close_alarm(alarm_of("C-LEAK"), "confirmed_leak", "", cast.bureau_staff)
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    sign_in(client, cast.bureau_admin)
    assert client.get(reverse("admin:water_customeralarm_changelist"), {"status": "closed"}).status_code == 200
    history = client.get(reverse("admin:water_customeralarm_history", args=[alarm.pk]))
    assert "wangfang" in history.content.decode() or "王芳" in history.content.decode()
    assert client.get(reverse("admin:water_dmanightflowalarm_changelist")).status_code == 200


def test_a_preview_on_a_store_that_is_gone_says_so_and_saves_nothing(client, cast, run):
    MeteringRun.objects.filter(pk=run.pk).update(store="/nonexistent/readings")
    sign_in(client, cast.network_analyst)
    proposal = {**PROPOSAL, "continuous_flow_hours": 72, "gap_hours": 6, "preview": "1"}
    response = client.post(reverse("water:metering_thresholds"), proposal)
    assert response.status_code == 400
    assert "/nonexistent/readings" in str(response.context["form"].non_field_errors())
    assert MeteringParameters.objects.count() == 1


def test_the_thresholds_form_keeps_a_day_for_one_episode_unless_told_and_refuses_over_a_week(client, cast, run):
    # Left empty, a proposal keeps 24 h (the model's default); more than 168 h (a week) is refused on the field.
    sign_in(client, cast.bureau_admin)
    proposal = {**PROPOSAL, "episode_merge_hours": ""}
    url = reverse("water:metering_thresholds")
    response = client.post(url, {**proposal, "episode_merge_hours": 200, "save": "1"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"episode_merge_hours"}
    assert client.post(url, {**proposal, "save": "1"}).status_code == 302
    assert MeteringParameters.objects.get(effective_from=datetime.date(2024, 6, 1)).episode_merge_hours == 24.0


# --- notices ----------------------------------------------------------------------------------------------


def assignment_notices():
    return Notice.objects.filter(kind=NoticeKind.ALARM_ASSIGNED).order_by("pk")


def test_staff_given_an_alarm_are_told_once_in_their_language_with_a_link(cast, run):
    alarm = alarm_of("C-LEAK")
    NoticePreferences.objects.create(user=cast.network_analyst, language="en")
    assign_alarm(alarm, cast.bureau_staff, cast.bureau_admin)
    assign_alarm(alarm, cast.network_analyst, cast.bureau_admin)
    record_contact(alarm, "电话联系用户", cast.network_analyst)
    told = assignment_notices()
    assert [notice.recipient for notice in told] == [cast.bureau_staff, cast.network_analyst]
    assert {notice.link for notice in told} == {reverse("water:customer_alarm_detail", args=[alarm.pk])}
    chinese, english = told
    admin = cast.bureau_admin.get_full_name()
    assert chinese.subject == "水表 C-LEAK 的报警已分派给您处置"
    assert chinese.body.startswith(f"{admin} 将水表 C-LEAK 的报警（持续流量）分派给您处置")
    assert english.body.startswith(f"{admin} gave you the alarm of meter C-LEAK (Continuous flow) to follow up")


def test_no_one_is_told_of_an_alarm_they_took_themselves(cast, run):
    assign_alarm(alarm_of("C-LEAK"), cast.bureau_staff, cast.bureau_staff)
    assert not assignment_notices().exists()


def test_a_night_flow_alarm_given_to_the_analyst_links_to_its_page(cast, run):
    alarm = night_alarm(run, "HX")
    assign_alarm(alarm, cast.network_analyst, cast.bureau_admin)
    [notice] = assignment_notices()
    assert (notice.recipient, notice.link) == (
        cast.network_analyst,
        reverse("water:night_flow_alarm_detail", args=[alarm.pk]),
    )
    assert notice.subject == "计量分区 HX 的夜间流量报警已分派给您处置"


# --- several alarms at once -----------------------------------------------------------------------------------


def test_ticked_alarms_go_to_one_person_who_is_told_once_of_the_lot(client, cast, run):
    close_alarm(alarm_of("C-BURST"), "customer_use", "", cast.bureau_staff)
    assign_alarm(alarm_of("C-GAP"), cast.bureau_staff, cast.bureau_admin)
    ticked = [alarm_of(meter).pk for meter in ("C-LEAK", "C-REVERSE", "C-BURST", "C-GAP")]
    sign_in(client, cast.bureau_admin)
    back = f"{reverse('water:customer_alarm_list')}?dma=HX"
    response = client.post(
        reverse("water:customer_alarm_bulk_assign"),
        {"assignee": cast.bureau_staff.pk, "alarms": ticked, "next": back},
        follow=True,
    )
    assert response.redirect_chain == [(back, 302)]
    assert [str(message) for message in response.context["messages"]] == [
        f"已将 2 条报警分派给{cast.bureau_staff.get_full_name()}。",
        "未变动：1 条原已分派给此人，1 条已办结。",
    ]
    assert [(alarm_of(meter).status, alarm_of(meter).assignee) for meter in ("C-LEAK", "C-REVERSE")] == [
        (AlarmStatus.ASSIGNED, cast.bureau_staff)
    ] * 2
    assert alarm_of("C-BURST").assignee is None  # closed: left as it was
    # One notice for the two (C-GAP's own came when it was given alone), linking to her open alarms.
    lot = assignment_notices().filter(key__startswith="water.alarms_assigned:")
    [notice] = lot
    assert notice.subject == "2 条报警已分派给您处置"
    assert notice.link == f"{reverse('water:customer_alarm_list')}?status=open&assignee={cast.bureau_staff.pk}"


def test_assigning_with_nothing_ticked_says_so_and_changes_nothing(client, cast, run):
    sign_in(client, cast.bureau_admin)
    response = client.post(reverse("water:customer_alarm_bulk_assign"), {"assignee": cast.bureau_staff.pk}, follow=True)
    assert [str(message) for message in response.context["messages"]] == ["请勾选要分派的报警。"]
    assert not CustomerAlarm.objects.exclude(assignee=None).exists()


def test_a_list_offers_boxes_only_on_open_alarms(client, cast, run):
    close_alarm(alarm_of("C-BURST"), "customer_use", "", cast.bureau_staff)
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:customer_alarm_list")).content.decode()
    assert page.count('name="alarms"') == CustomerAlarm.objects.exclude(status=AlarmStatus.CLOSED).count() == 3
    assert 'id="bulk-assign-controls"' in page


def test_night_flow_alarms_are_assigned_together_too(client, cast, run):
    alarms = [night_alarm(run, "HX"), night_alarm(run, "FH")]
    sign_in(client, cast.bureau_admin)
    client.post(
        reverse("water:night_flow_alarm_bulk_assign"),
        {"assignee": cast.network_analyst.pk, "alarms": [alarm.pk for alarm in alarms]},
    )
    assert set(DmaNightFlowAlarm.objects.values_list("assignee", flat=True)) == {cast.network_analyst.pk}
    [notice] = assignment_notices()
    assert notice.body.endswith("将 2 条夜间流量报警分派给您处置，可在报警列表中按处理人查看。")
