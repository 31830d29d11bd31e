"""The public tag check and the photos behind it: what a finder needs, for any string, at a bounded rate.

Renewals and immunisations are checked here too: a licence rests on its
rabies immunisation, and a renewed licence's queued reminders are withdrawn.
"""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from civic.dogs import actions, photos
from civic.dogs.models import CancellationReason, Licence, RenewalReminder
from civic.dogs.testing import REFERENCE_DAY, registration_data
from civic.testing import sign_in

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def check(client, number):
    return client.get(reverse("dogs:check_number", args=[number]))


# --- Public check ([CZ-DOGS] notice of loss; what a finder needs) -------------------------------------


def test_a_dog_reported_lost_shows_as_lost_not_cancelled(client, dogs):
    actions.cancel_licence(dogs.doudou_licence, CancellationReason.LOSS, TODAY, dogs.niutang_point, None, TODAY)
    response = check(client, dogs.doudou_tag.number)
    assert response.context["result"]["state"] == "lost"
    assert 'id="check-lost"' in response.text


def test_a_cancelled_tag_shows_no_validity_date(client, dogs):
    actions.cancel_licence(dogs.doudou_licence, CancellationReason.DEATH, TODAY, dogs.niutang_point, None, TODAY)
    response = check(client, dogs.doudou_tag.number)
    assert response.context["result"]["state"] == "cancelled"
    assert 'id="check-valid-until"' not in response.text
    assert dogs.doudou_licence.expires_on.isoformat() not in response.text


def test_a_finder_sees_where_to_call_and_no_personal_data(client, dogs):
    response = check(client, dogs.doudou_tag.number)
    assert dogs.niutang_point.name in response.text
    for personal in ("陈静", "13800000002", "青云路"):
        assert personal not in response.text


@pytest.mark.parametrize(
    "number", ["X" * 5000, "DT2024/000001", "../../etc/passwd", "<script>alert(1)</script>", "％％"]
)
def test_any_string_gets_the_check_page(client, dogs, number):
    response = check(client, number)
    assert response.status_code == 200
    assert 'id="check-state"' in response.text
    assert "<script>alert(1)</script>" not in response.text


def test_a_very_long_number_typed_in_the_form_gets_a_clear_answer(client, dogs):
    response = client.get(reverse("dogs:check"), {"number": "DT" * 3000})
    assert response.status_code == 200
    assert response.context["malformed"].endswith("…")
    assert len(response.context["malformed"]) == 41  # the first 40 characters and an ellipsis


def test_the_check_answers_thirty_numbers_per_address_in_ten_minutes(client, dogs):
    answered = [check(client, f"DT2024{sequence:06d}").status_code for sequence in range(1, 32)]
    assert answered == [200] * 30 + [429]
    # Another address is counted apart.
    assert client.get(reverse("dogs:check_number", args=["DT2024000001"]), REMOTE_ADDR="10.0.0.2").status_code == 200


def test_behind_nginx_each_client_has_its_own_allowance_and_a_forged_header_gains_nothing(settings, dogs):
    """Behind nginx (CIVIC_TRUSTED_PROXIES=1) the client is the entry nginx appended to X-Forwarded-For."""
    settings.CIVIC_TRUSTED_PROXIES = 1
    settings.CIVIC_PUBLIC_CHECKS_PER_WINDOW = 2
    url = reverse("dogs:check_number", args=["DT2024000001"])
    first, second = (Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in (1, 2))
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(url).status_code == 200
    forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.1")
    assert forged.get(url).status_code == 429


def test_without_trusted_proxies_a_forged_header_does_not_reset_the_allowance(settings, dogs):
    settings.CIVIC_PUBLIC_CHECKS_PER_WINDOW = 2
    url = reverse("dogs:check_number", args=["DT2024000001"])
    statuses = [
        Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").get(url).status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


# --- Photos (re-encoded, thumbnailed, bounded) -----------------------------------------------------------


def image_bytes(size=(800, 600), format="PNG", **save):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 150, 90)).save(buffer, format=format, **save)
    return buffer.getvalue()


def test_a_photo_is_written_afresh_as_a_jpeg_without_metadata_and_a_320_pixel_thumbnail():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    upload = io.BytesIO(image_bytes((2000, 1000), "JPEG", exif=exif.tobytes()))
    photo = photos.reencoded(upload, len(upload.getvalue()))
    full = Image.open(io.BytesIO(photo.full.read()))
    thumbnail = Image.open(io.BytesIO(photo.thumbnail.read()))
    assert (full.format, full.size) == ("JPEG", (1600, 800))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (320, 160))
    assert not full.getexif()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a" + b"\x00" * 100, "不是 JPEG、PNG 或 WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "不是 JPEG、PNG 或 WebP"),
        (image_bytes((100, 100), "GIF"), "不是 JPEG、PNG 或 WebP"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused(content, message):
    with translation.override("zh-hans"), pytest.raises(Exception, match=message):
        photos.reencoded(io.BytesIO(content), len(content))


def test_a_small_file_declaring_a_huge_canvas_is_refused_before_it_is_decoded():
    # A PNG of 10,000 × 5,000 px (50 M pixels) compresses to a few hundred kilobytes.
    content = image_bytes((10_000, 5_000), "PNG")
    assert len(content) < photos.MAX_UPLOAD_BYTES
    with pytest.raises(Exception, match="百万像素"):
        photos.reencoded(io.BytesIO(content), len(content))


def test_an_upload_over_eight_megabytes_is_refused_at_the_counter_and_nothing_is_kept(client, dogs, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"\x00" * (photos.MAX_UPLOAD_BYTES + 1), "image/jpeg")
    response = sign_in(client, dogs.cast.clinic_staff).post(
        reverse("dogs:register_dog"), registration_data(dogs, photo=huge)
    )
    assert "photo" in response.context["form"].errors
    assert not Licence.objects.filter(dog__microchip="156000000000010").exists()
    assert not any(tmp_path.rglob("*.*"))


def test_the_public_check_serves_the_thumbnail(client, dogs, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("tuantuan.png", image_bytes((1200, 900)), "image/png")
    sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), registration_data(dogs, photo=upload))
    tag = Licence.objects.get(dog__microchip="156000000000010").active_tag()
    assert tag is not None
    client.logout()
    import base64

    uri = check(client, tag.number).context["result"]["photo"]
    shown = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert shown.size == (320, 240)


# --- Immunisation covers the licence; renewed licences' reminders are withdrawn ---------------------------


def test_a_new_licence_ends_with_its_immunisation():
    # [CZ-DOGS] a valid immunisation is a condition of the licence: 2024-03-22 + 365 = 2025-03-22, immunisation to 2024-12-31.
    from civic.dogs import rules

    assert rules.licence_expiry(REFERENCE_DAY, 365, datetime.date(2024, 12, 31)) == datetime.date(2024, 12, 31)
    assert rules.licence_expiry(REFERENCE_DAY, 365, datetime.date(2026, 1, 1)) == datetime.date(2025, 3, 22)


def test_a_renewal_needs_an_immunisation_valid_on_the_new_periods_first_day(dogs):
    # Wangcai's licence ends 2024-03-29, his immunisation on 2024-03-22: valid on the day at the counter
    # (2024-03-22) but not on 2024-03-30, the first day of the new period.
    with pytest.raises(Exception, match="2024-03-30"):
        actions.renew_licence(dogs.wangcai_licence, dogs.cast.service_point, None, REFERENCE_DAY)
    dogs.wangcai_licence.refresh_from_db()
    assert dogs.wangcai_licence.expires_on == datetime.date(2024, 3, 29)


def test_a_renewal_runs_no_further_than_the_new_immunisation(dogs):
    brought = actions.ImmunisationDetails(
        "狂犬病灭活疫苗", "2024C", datetime.date(2024, 3, 20), datetime.date(2025, 3, 19)
    )
    licence = actions.renew_licence(dogs.wangcai_licence, dogs.cast.service_point, None, REFERENCE_DAY, brought)
    # 2024-03-29 + 365 = 2025-03-29 would outrun the immunisation ending 2025-03-19.
    assert licence.expires_on == datetime.date(2025, 3, 19)


def test_renewing_withdraws_the_reminders_queued_for_the_old_expiry(client, dogs):
    # Wangcai's licence ends 2024-03-29: due on 2024-03-22, inside the 15-day window.
    actions.queue_reminders_of_kind([dogs.wangcai_licence], "due", REFERENCE_DAY)
    reminder = RenewalReminder.objects.get(licence=dogs.wangcai_licence)
    brought = actions.ImmunisationDetails(
        "狂犬病灭活疫苗", "2024C", datetime.date(2024, 3, 20), datetime.date(2025, 3, 19)
    )
    actions.renew_licence(dogs.wangcai_licence, dogs.cast.service_point, None, REFERENCE_DAY, brought)
    reminder.refresh_from_db()
    assert reminder.withdrawn_on == REFERENCE_DAY
    response = sign_in(client, dogs.cast.clinic_staff).get(reverse("dogs:renewal_list"))
    assert response.context["queued_total"] == 0


def test_the_registration_check_tells_only_allowed_or_not_and_no_count(client, dogs):
    data = registration_data(dogs, address="湖塘镇花园街1号")
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:registration_check"), data)
    assert response.context["reasons"]
    assert "Dogs already kept" not in response.text and "已养犬只" not in response.text
    assert 'id="check-key-area"' in response.text


def test_a_microchip_registered_elsewhere_is_refused_without_saying_where(client, dogs):
    data = registration_data(dogs, microchip=dogs.doudou.microchip)
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), data)
    errors = " ".join(response.context["form"].errors["microchip"])
    assert dogs.niutang_point.name not in errors
    assert "already registered" not in errors and "已登记" not in errors
