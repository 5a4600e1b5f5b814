"""The planner's network page: the form, the plan with its map data, bad files named, planners only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import StoreFactory


@pytest.fixture
def stores(region):
    return [
        StoreFactory(region=region, latitude="25.026400", longitude="121.543400"),
        StoreFactory(region=region, latitude="25.060000", longitude="121.520000"),
    ]


def url(dc):
    return f"/insight/{dc.code}/network/"


def test_a_planner_chooses_sites_from_the_sample_files(client, planner, dc, stores):
    client.force_login(planner)

    page = client.post(url(dc), {"add": 5, "radius": 500})

    assert page.status_code == 200
    plan = page.context["plan"]
    assert len(plan.chosen) == 5 and plan.covered_after > plan.covered_before
    data = page.context["map_data"]
    assert [site["rank"] for site in data["chosen"]] == [1, 2, 3, 4, 5]
    assert len(data["stores"]) == 2 and data["uncovered"]
    assert "Chosen sites" in page.content.decode()


def test_a_bad_candidate_file_is_refused_with_each_row_named(client, planner, dc, stores):
    client.force_login(planner)
    bad = SimpleUploadedFile("c.csv", b"code,latitude,longitude\nA,north,121.5\nB,25.0,\n")

    page = client.post(url(dc), {"add": 5, "candidates": bad})

    assert page.status_code == 400
    errors = page.context["form"].errors["candidates"]
    assert errors == ["row 2, latitude: not a number", "row 3, longitude: not a number"]
    assert page.context["plan"] is None


def test_the_form_names_a_bad_number(client, planner, dc, stores):
    client.force_login(planner)

    page = client.post(url(dc), {"add": 0})

    assert page.status_code == 400 and "add" in page.context["form"].errors


def test_only_the_dcs_planners_may_plan_its_network(client, clerk, dc, stores):
    client.force_login(clerk)

    assert client.get(url(dc)).status_code == 403
    client.logout()
    assert client.get(url(dc)).status_code == 302
