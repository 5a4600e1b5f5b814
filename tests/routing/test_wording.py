"""The engine's reasons said in the page's words, in English and zh-Hant, and the run's true duration."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from routing import engine
from routing.selectors import solving_seconds
from routing.services.wording import PlanNames, reason_text

NAMES = PlanNames(vehicles={"2": "Route 1 – VAN-02", "7": "VAN-07"}, stores={"40": "S0040 Banqiao Station"})


@pytest.mark.parametrize(
    ("engine_says", "page_says"),
    [
        (
            "locked route of vehicle 2 cannot be driven: arrives at stop 40 at 16:05, after its window closes at 16:00",
            "Route 1 – VAN-02 is locked and cannot be driven as it is: it arrives at S0040 Banqiao Station at 16:05, "
            "after the store stops receiving at 16:00.",
        ),
        (
            "locked route of vehicle 2 cannot be driven: over capacity of vehicle 2 before stop 40 (volume)",
            "Route 1 – VAN-02 is locked and cannot be driven as it is: it is over capacity before S0040 Banqiao "
            "Station (volume).",
        ),
        (
            "locked route of vehicle 2 cannot be driven: back at the depot at 19:10, after 18:30",
            "Route 1 – VAN-02 is locked and cannot be driven as it is: it is back at the DC at 19:10, after 18:30 "
            "(the driver's shift or the DC's hours).",
        ),
        (
            "locked route of vehicle 7: its shift misses the depot's hours",
            "VAN-07 is locked, but its vehicle's shift misses the DC's opening hours.",
        ),
        (engine.REASON_FLEET_FULL, "the available vehicles have no room or time left"),
        (
            f"{engine.REASON_WINDOW} (08:00-09:00)",
            "its receiving hours cannot be reached within any vehicle's shift (08:00-09:00)",
        ),
        (
            "vehicle 7 at stop 40: service starts before arrival",
            "VAN-07 at S0040 Banqiao Station: service starts before arrival",
        ),
    ],
)
def test_engine_reasons_name_routes_and_stores_as_the_page_does(engine_says, page_says):
    assert reason_text(engine_says, NAMES) == page_says


def test_a_move_being_checked_is_not_called_locked():
    said = reason_text("locked route of vehicle 2 cannot be driven: no road route to stop 40", NAMES, moving=True)
    assert said == "Route 1 – VAN-02 cannot be driven in this order: there is no road to S0040 Banqiao Station."


def test_engine_reasons_in_zh_hant():
    names = PlanNames(vehicles={"2": "路線 1 – VAN-02"}, stores={"40": "S0040 板橋站"})
    with translation.override("zh-hant"):
        said = reason_text(
            "locked route of vehicle 2 cannot be driven: arrives at stop 40 at 16:05, after its window closes at 16:00",
            names,
        )
        unserved = reason_text(engine.REASON_FLEET_FULL, names)
    assert said == "路線 1 – VAN-02 已鎖定，無法照原樣行駛：16:05 才抵達 S0040 板橋站，晚於門市收貨截止時間 16:00。"
    assert unserved == "可用車輛已無剩餘空間或時間"


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 12, 5, 9, minute, second, tzinfo=UTC)


def test_a_runs_duration_is_its_solving_time_not_the_hours_until_a_later_re_run():
    # given: two regions solved side by side in 21 s, a third re-run alone seven minutes later for 5 s
    intervals = [(at(0, 0), at(0, 21)), (at(0, 3), at(0, 18)), (at(7, 40), at(7, 45))]
    # then: 21 + 5 s, not the 465 s from the first start to the last finish
    assert solving_seconds(intervals) == 26
    # and a region solving now (started after its last finish) or never solved counts nothing
    assert solving_seconds([*intervals, (at(9), at(1)), (None, None)]) == 26
    assert solving_seconds([(at(0), at(0) + timedelta(seconds=30)), (at(0, 10), at(0, 20))]) == 30
