"""The engine's rule tests run once per engine: what holds for OR-Tools alone must hold for the
portfolio with PyVRP in it."""

from dataclasses import replace

import pytest

from routing.engine import portfolio


@pytest.fixture(params=["ortools", "portfolio"])
def each_engine(request, monkeypatch):
    """Every `solve` in the test searches with this engine, whatever its SearchParams say."""
    search = portfolio.search

    def with_engine(problem, fleet, locked, candidates, params, deadline, children):
        return search(problem, fleet, locked, candidates, replace(params, engine=request.param), deadline, children)

    monkeypatch.setattr(portfolio, "search", with_engine)
    return request.param
