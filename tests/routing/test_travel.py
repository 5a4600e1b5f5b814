"""Offline travel estimates, and the OSRM table client against a stub server on 127.0.0.1."""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from routing.engine import UNREACHABLE
from routing.travel import (
    MemoryCache,
    OsrmClient,
    OsrmError,
    SpeedProfile,
    estimate_matrix,
    great_circle_m,
)

TAIPEI_MAIN_STATION = (25.0478, 121.5170)
TAIPEI_101 = (25.0336, 121.5648)
BANQIAO_STATION = (25.0143, 121.4637)


def test_great_circle_distance():
    assert great_circle_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_195, rel=1e-3)
    assert great_circle_m(TAIPEI_MAIN_STATION, TAIPEI_101) == pytest.approx(5_040, rel=0.02)
    assert great_circle_m(TAIPEI_101, TAIPEI_101) == 0


def test_estimate_applies_detour_speed_and_conditions():
    # given: 36 km/h all day, i.e. 10 m/s
    flat = SpeedProfile(default_kmh=36)
    points = [TAIPEI_MAIN_STATION, TAIPEI_101]
    straight = great_circle_m(*points)

    # when
    dry = estimate_matrix(points, driving_span=(9 * 3600, 17 * 3600), detour_factor=1.3, profile=flat)
    snow = estimate_matrix(
        points, driving_span=(9 * 3600, 17 * 3600), detour_factor=1.3, profile=flat, condition_factor=1.5
    )

    # then
    assert dry.distances[0][1] == round(straight * 1.3)
    assert dry.durations[0][1] == -(-dry.distances[0][1] // 10)
    assert snow.distances == dry.distances
    assert snow.durations[0][1] == pytest.approx(dry.durations[0][1] * 1.5, abs=1)
    assert dry.durations[0][0] == dry.distances[1][1] == 0


def test_rush_hour_makes_trips_slower():
    points = [TAIPEI_MAIN_STATION, BANQIAO_STATION]
    night = estimate_matrix(points, driving_span=(1 * 3600, 4 * 3600))
    rush = estimate_matrix(points, driving_span=(7 * 3600, 9 * 3600))
    assert rush.durations[0][1] > night.durations[0][1] * 1.5


def test_mean_speed_weighs_slow_hours_by_the_time_they_take():
    # an hour at 20 km/h and an hour at 60 km/h cover 80 km in 2 h... but a fixed distance driven
    # half the time in each takes as long as at the harmonic mean, 30 km/h
    profile = SpeedProfile(by_hour={8: 20, 9: 60})
    assert profile.mean_kmh(8 * 3600, 10 * 3600) == pytest.approx(30)
    assert profile.mean_kmh(8 * 3600 + 1800, 9 * 3600) == pytest.approx(20)


def test_bad_factors_are_refused():
    with pytest.raises(ValueError, match="condition_factor"):
        estimate_matrix([TAIPEI_101], driving_span=(0, 3600), condition_factor=0)
    with pytest.raises(ValueError, match="detour_factor"):
        estimate_matrix([TAIPEI_101], driving_span=(0, 3600), detour_factor=0.5)
    with pytest.raises(ValueError, match="positive"):
        SpeedProfile(by_hour={8: 0})


class StubOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/... with duration = 100 s and distance = 1000 m per 0.01 degree of
    longitude difference, null between any place and one at longitude 0 (an island)."""

    requests: list[str] = []
    refuse = False

    def do_GET(self):
        StubOsrm.requests.append(self.path)
        url = urlsplit(self.path)
        if StubOsrm.refuse:
            return self.reply(400, {"code": "TooBig", "message": "Too many table coordinates"})
        lons = [float(c.split(",")[0]) for c in url.path.rsplit("/", 1)[1].split(";")]
        query = parse_qs(url.query)
        assert query["annotations"] == ["duration,distance"]
        sources = [int(i) for i in query["sources"][0].split(";")]
        targets = [int(i) for i in query["destinations"][0].split(";")]

        def value(i, j, per_step):
            if (lons[i] == 0) != (lons[j] == 0):
                return None
            return round(abs(lons[i] - lons[j]) / 0.01) * per_step

        self.reply(
            200,
            {
                "code": "Ok",
                "durations": [[value(i, j, 100.0) for j in targets] for i in sources],
                "distances": [[value(i, j, 1000.0) for j in targets] for i in sources],
            },
        )

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture()
def osrm():
    StubOsrm.requests = []
    StubOsrm.refuse = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


POINTS = [(25.0, 121.50), (25.0, 121.52), (25.0, 121.55), (25.0, 121.51)]


def test_osrm_table_is_read_into_a_matrix(osrm):
    matrix = OsrmClient(osrm).matrix(POINTS, day=date(2025, 3, 3))
    assert matrix.durations[0] == [0, 200, 500, 100]
    assert matrix.distances[2] == [5000, 3000, 0, 4000]
    assert len(StubOsrm.requests) == 1


def test_osrm_matrix_is_cached_per_day(osrm):
    client = OsrmClient(osrm, cache=MemoryCache())
    monday = client.matrix(POINTS, day=date(2025, 3, 3))
    again = client.matrix(POINTS, day=date(2025, 3, 3))
    assert again == monday
    assert len(StubOsrm.requests) == 1
    client.matrix(POINTS, day=date(2025, 3, 4))
    assert len(StubOsrm.requests) == 2


def test_condition_factor_stretches_cached_durations_not_distances(osrm):
    client = OsrmClient(osrm)
    dry = client.matrix(POINTS, day=date(2025, 3, 3))
    rain = client.matrix(POINTS, day=date(2025, 3, 3), condition_factor=1.25)
    assert rain.durations[0] == [0, 250, 625, 125]
    assert rain.distances == dry.distances
    assert len(StubOsrm.requests) == 1


def test_big_tables_are_fetched_in_blocks_with_the_same_result(osrm):
    whole = OsrmClient(osrm).matrix(POINTS, day=date(2025, 3, 3))
    blocks = OsrmClient(osrm, max_table_size=2).matrix(POINTS, day=date(2025, 3, 3))
    assert blocks == whole
    assert len(StubOsrm.requests) == 1 + 16


def test_unroutable_pairs_become_unreachable(osrm):
    matrix = OsrmClient(osrm).matrix([(25.0, 121.5), (25.0, 0.0)], day=date(2025, 3, 3))
    assert matrix.durations == [[0, UNREACHABLE], [UNREACHABLE, 0]]


def test_server_refusal_is_a_clear_error(osrm):
    StubOsrm.refuse = True
    with pytest.raises(OsrmError, match="TooBig"):
        OsrmClient(osrm).matrix(POINTS, day=date(2025, 3, 3))


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(OsrmError, match="request failed"):
        OsrmClient("http://127.0.0.1:9", timeout_s=2).matrix(POINTS, day=date(2025, 3, 3))
