"""The demo rolls its history up, so the figures page has trends to show after make run."""

from insight.figures import period_figures
from insight.models import Rollup
from pickup.demo import DEMO_FIGURE_DAYS, build_demo, demo_figures
from stores.models import DistributionCenter


def test_the_demo_history_gives_figures(db):
    build_demo(stores=12, orders=240, vehicles=2)
    assert "/insight/TPE-DC1/figures/" in demo_figures()
    dc = DistributionCenter.objects.get(code="TPE-DC1")
    days = sorted(Rollup.objects.filter(dc=dc).values_list("day", flat=True))
    assert len(days) == DEMO_FIGURE_DAYS
    period = period_figures(dc=dc, first=days[0], last=days[-1])
    assert period.totals.delivered > 0 and period.totals.picked_up > 0
    assert period.totals.median_dwell_hours is not None
