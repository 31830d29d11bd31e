from django.urls import reverse

from civic.testing import sign_in


def test_it_shows_the_bureau_the_county_figures(client, cast):
    response = sign_in(client, cast.bureau_staff).get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["listed_user_count"] == 2  # Runhua and Xinglong are both listed
    assert "tagged_total" not in response.context  # the dog figures are the dog-management office's


def test_it_shows_the_dog_office_the_dog_figures(client, cast):
    response = sign_in(client, cast.dog_office_staff).get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["service_point_count"] == 1  # SP01, a licensed clinic
    assert response.context["tagged_total"] == 0  # the cast has no tagged dog
    assert response.context["key_area_km2"] == 0


def test_it_sends_an_enterprise_reporter_to_its_own_page(client, cast):
    response = sign_in(client, cast.runhua_reporter).get(reverse("dashboard"))
    assert response["Location"] == reverse("water:my_water_user")


def test_it_does_not_title_a_clinics_or_an_inspectors_page_as_the_water_saving_dashboard(client, cast):
    # Sun Li works at a dog service point and Liu Yang is a dog inspector: neither has water-saving figures.
    for user in (cast.clinic_staff, cast.inspector, cast.network_analyst):
        response = sign_in(client, user).get(reverse("dashboard"), headers={"accept-language": "en"})
        assert "<h1>Dashboard</h1>" in response.text
        assert "County water-saving dashboard" not in response.text


def test_it_serves_town_boundaries_as_geojson(client, cast):
    cast.hutang.boundary = {
        "type": "Polygon",
        "coordinates": [[[119.9, 31.7], [120.0, 31.7], [120.0, 31.8], [119.9, 31.7]]],
    }
    cast.hutang.save()
    data = sign_in(client, cast.bureau_staff).get(reverse("regions_geojson"), {"level": "town"}).json()
    assert [feature["properties"]["name"] for feature in data["features"]] == ["湖塘镇"]


def test_it_refuses_map_layers_to_enterprise_reporters(client, cast):
    assert sign_in(client, cast.runhua_reporter).get(reverse("regions_geojson")).status_code == 403


def test_it_switches_the_language_to_english(client, cast):
    sign_in(client, cast.bureau_staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("dashboard"))
    assert response.context["LANGUAGE_CODE"] == "en"
