"""The demo's smart-meter month: every customer meter has a customer in the utility's file, so each alarm of
the demo names whom to call, as a county's would once its billing system's export is uploaded."""

from django.core.management import call_command
from django.urls import reverse

from civic.core.models import Region, RegionLevel
from civic.testing import sign_in
from civic.water.models import CustomerAlarm, MeterCustomer


def test_the_metering_demo_files_a_customer_for_each_meter_and_names_them_on_its_alarms(client, cast, tmp_path):
    """Two DMAs of 湖塘镇 with 12 customers each: 24 rows in the customer file, read back through the upload's own
    reader. Customer C0003 of D01 lives in the 阳光小区 (the estate of DMAs numbered 1 mod 3), flat 201 of
    building 1 (12 flats a building, two a floor)."""
    for number in (1, 2):
        Region.objects.create(
            code=f"D-HT-D0{number}", name=f"湖塘{number}号计量分区", level=RegionLevel.DMA, parent=cast.hutang
        )
    call_command("load_metering_demo", "--store", str(tmp_path / "store"), "--customers", "12")
    assert MeterCustomer.objects.count() == 24
    third = MeterCustomer.objects.get(meter_code="D-HT-D01-C0003")
    assert (third.account, third.address) == ("0100003", "湖塘镇阳光小区1幢201室")
    assert len(third.phone) == 11 and third.name
    alarm = CustomerAlarm.objects.first()
    assert alarm is not None
    sign_in(client, cast.bureau_staff)
    customer = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk])).context["customer"]
    assert customer.name == MeterCustomer.objects.get(meter_code=alarm.meter_code).name
