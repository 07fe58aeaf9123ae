"""The editorial targets on the dev data (tests/data holds a copy; see its README)."""

from __future__ import annotations

import pytest

from briefing.evaluate import STOCK, bcubed, evaluate

from .conftest import DATA


def test_bcubed_on_a_hand_example() -> None:
    # gold: {a,b,c} {d}; predicted: {a,b} {c,d}
    p, r, f = bcubed(["x", "x", "y", "y"], ["g", "g", "g", "h"])
    assert p == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    assert r == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert f == pytest.approx(2 * p * r / (p + r))


@pytest.fixture(scope="module")
def results():
    return evaluate(DATA)


def test_default_summaries_beat_lead_and_every_stock_sumy_algorithm(results) -> None:
    default = results.summaries["briefing default (ensemble)"]
    others = {name: m for name, m in results.summaries.items() if name in (*STOCK, "lead-k")}
    assert set(others) == {*STOCK, "lead-k"}  # all measured in the same run
    for metric in ("rouge1", "rouge2", "rougeL"):
        best = max(others, key=lambda n: others[n][metric])
        assert default[metric] > others[best][metric], f"{metric}: {best} {others[best][metric]:.4f} >= default {default[metric]:.4f}"


def test_story_grouping_reaches_bcubed_085(results) -> None:
    ours = results.stories["briefing group"]
    assert ours["f1"] >= 0.85
    assert ours["f1"] > results.stories["tf-idf average-link (0.9)"]["f1"] + 0.1


def test_duplicates_precision_and_recall(results) -> None:
    assert results.duplicates["precision"] >= 0.95
    assert results.duplicates["recall"] >= 0.95
