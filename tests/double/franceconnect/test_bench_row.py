"""The bench's journey row runs (a short run: figures are `make bench`'s business)."""

from __future__ import annotations

import pytest

from scripts.bench import bench_journey


def test_the_journey_row_measures_every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_journey, "JOURNEYS", 3)
    monkeypatch.setattr(bench_journey, "WARMUP", 1)
    rows = bench_journey.measure()
    figures = [row["figure"] for row in rows]
    assert figures[0] == "per journey (median)"
    assert [f"step: {step} (median)" for step in bench_journey.STEPS] == figures[1:]
    assert all(row["value"].endswith(" ms") for row in rows)
