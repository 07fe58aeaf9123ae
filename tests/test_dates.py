"""Feed dates in other languages' names are read, so an old item is seen to be old."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from briefing.sources.dates import parse_localized_date
from briefing.sources.feeds import parse
from briefing.sources.http import Response

from .conftest import DATA


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24 22:42"),  # UOL Notícias
        ("Mi, 03 Okt 2018 10:00:00 +0200", "2018-10-03 08:00"),
        ("Ter, 25 Dez 2018 08:00:00 GMT", "2018-12-25 08:00"),
        ("03 Apr 02 1500 GMT", "2002-04-03 15:00"),  # the wire form of an old Herald Sun feed
    ],
)
def test_localised_and_wire_dates(text: str, expected: str) -> None:
    parsed = parse_localized_date(text)
    assert parsed is not None and time.strftime("%Y-%m-%d %H:%M", parsed) == expected


def test_nonsense_is_left_to_the_next_handler() -> None:
    assert parse_localized_date("sometime last week") is None


def test_the_real_uol_feed_is_dated() -> None:
    body = (DATA / "feeds_realworld_rssparser" / "raw" / "rbren_rss_parser" / "uolNoticias.rss").read_bytes()
    now = datetime(2026, 11, 24, tzinfo=UTC)
    parsed = parse("uol", "UOL", Response(url="http://x/", status=200, headers={}, body=body), now)
    dated = [d.published for d in parsed.documents if d.published]
    assert len(dated) == len(parsed.documents) > 0
    assert all(d.year == 2018 for d in dated)
