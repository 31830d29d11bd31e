"""Every record the bureau edits keeps its history: who, when, what changed, shown in admin."""

from django.urls import reverse

from civic.testing import sign_in


def test_it_records_who_changed_a_water_user_and_what(client, cast):
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    sign_in(client, cast.bureau_admin)
    change_url = reverse("admin:water_wateruser_change", args=[cast.runhua.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "code": "WJ0001",
            "name": "常州润华印染有限公司",
            "kind": "enterprise",
            "industry": cast.runhua.industry_id,
            "town": cast.hutang.pk,
            "contact_phone": "0519-86001234",
            "water_sources": '["public_supply"]',
            "planned_use_status": "listed",
            "meters-TOTAL_FORMS": "0",
            "meters-INITIAL_FORMS": "0",
        }
    )
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    latest = cast.runhua.history.latest()
    assert latest.history_user == cast.bureau_admin
    changed_fields = latest.diff_against(latest.prev_record).changed_fields
    assert "contact_phone" in changed_fields

    history_page = client.get(reverse("admin:water_wateruser_history", args=[cast.runhua.pk]))
    assert "zhouhua" in history_page.text  # the history list names who changed the record
