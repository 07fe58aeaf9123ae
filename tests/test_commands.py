"""`briefing summarize` and `briefing group` on JSON Lines, as tools outside the repo use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

TEXT = (
    "Secretary of State John Kerry flew to Baghdad on Monday to meet Iraqi leaders. "
    "He urged them to form a more inclusive government.\n\n"
    "The U.S. will send 300 military advisers, Sen. Lindsey Graham (R., S.C.) said on Monday. "
    "“This is a critical moment,” Kerry told reporters in Cairo."
)


def briefing(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "briefing", *args], input=stdin, env=env, cwd=cwd,
                          text=True, capture_output=True, timeout=300)


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_summarize_writes_verbatim_sentences_in_document_order(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", [
        {"id": 7, "title": "Kerry in Baghdad", "text": TEXT},
        {"id": "b", "title": "Short", "text": TEXT, "sentences": 1},
    ])
    result = briefing("summarize", str(src), "-o", str(tmp_path / "out.jsonl"), "--algorithm", "textrank", "--sentences", "2")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [7, "b"]
    assert list(rows[0]) == ["id", "summary"]
    assert len(rows[0]["summary"]) == 2 and len(rows[1]["summary"]) == 1
    for summary in (rows[0]["summary"], rows[1]["summary"]):
        positions = [TEXT.index(s) for s in summary]  # verbatim: each sentence is found as written
        assert positions == sorted(positions)
    # TextRank's choice on this text, read and found right: the lead, then what Kerry did there
    assert rows[0]["summary"] == [
        "Secretary of State John Kerry flew to Baghdad on Monday to meet Iraqi leaders.",
        "He urged them to form a more inclusive government.",
    ]


def test_summarize_keeps_abbreviations_inside_their_sentence(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", [{"id": 1, "title": "Kerry in Baghdad", "text": TEXT, "sentences": 4}])
    result = briefing("summarize", str(src), "--algorithm", "textrank")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    # "U.S.", "Sen." and "(R., S.C.)" do not end a sentence: four sentences, each whole
    assert row["summary"] == [
        "Secretary of State John Kerry flew to Baghdad on Monday to meet Iraqi leaders.",
        "He urged them to form a more inclusive government.",
        "The U.S. will send 300 military advisers, Sen. Lindsey Graham (R., S.C.) said on Monday.",
        "“This is a critical moment,” Kerry told reporters in Cairo.",
    ]


def test_summarize_reads_standard_input_and_writes_standard_output() -> None:
    result = briefing("summarize", "-", "--sentences", "1", stdin=json.dumps({"id": 1, "title": "t", "text": TEXT}) + "\n")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == 1 and len(row["summary"]) == 1 and row["summary"][0] in TEXT


def test_group_writes_story_topic_and_duplicate_of(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "title": "Mt. Gox files for US bankruptcy protection", "text": "", "source": "Reuters", "published": "2014-03-10T10:00:00Z"},
        {"id": "2", "title": "Bitcoin exchange Mt. Gox seeks US bankruptcy relief", "text": "", "source": "WSJ", "published": "2014-03-10T11:00:00Z"},
        {"id": "3", "title": "Mt. Gox files for U.S. bankruptcy protection", "text": "", "source": "AP", "published": "2014-03-10T12:00:00Z"},
        {"id": "4", "title": "New Game of Thrones trailer shows dragons", "text": "", "source": "E!", "published": "2014-03-10T12:30:00Z"},
        {"id": "5", "title": "Game of Thrones season four trailer: the dragons are back", "text": "", "source": "Vulture"},
        {"id": "6", "title": "Copy", "text": TEXT},
        {"id": "7", "title": "Copy again", "text": TEXT},
    ]
    result = briefing("group", str(write(tmp_path / "in.jsonl", rows)))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == [r["id"] for r in rows]
    assert all(list(r) == ["id", "story", "topic", "duplicate_of"] for r in out)
    story = {r["id"]: r["story"] for r in out}
    assert story["1"] == story["2"] == story["3"] != story["4"]
    assert story["4"] == story["5"]
    assert {r["id"]: r["duplicate_of"] for r in out}["7"] == "6"
    assert all(r["duplicate_of"] is None for r in out if r["id"] != "7")
    assert {r["topic"] for r in out if r["id"] in "123"} == {"Mt. Gox"}


def test_bad_input_lines_are_named(tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "title": "a", "text": "b"}\n{"id": 2, "title": "no text"}\n', encoding="utf-8")
    result = briefing("summarize", str(src))
    assert result.returncode == 2
    assert result.stderr.strip() == f"Error: {src}:2: 'text' is missing"
    src.write_text('{"id": 1, "title": "a"\n', encoding="utf-8")
    result = briefing("group", str(src))
    assert result.returncode == 2 and result.stderr.startswith(f"Error: {src}:1: not valid JSON")


def test_eval_prints_its_table(tmp_path: Path) -> None:
    result = briefing("eval", str(ROOT / "tests" / "data"), "--limit", "20", "--no-baselines")
    assert result.returncode == 0, result.stderr
    assert "ROUGE-1" in result.stdout and "B3-F1" in result.stdout and "Duplicates:" in result.stdout
    missing = briefing("eval", str(tmp_path / "nothing"))
    assert missing.returncode == 1 and "no such folder" in missing.stderr
