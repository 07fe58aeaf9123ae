"""The offline sentence splitter: abbreviations and quotes do not break sentences."""

import pytest

from briefing.text.sentences import SumyTokenizer, split_sentences, split_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"Why did we deal with Stalin? Because he was not as bad as Hitler," Sen. Lindsey Graham (R., S.C.) '
            'said Sunday on CNN. "The Iranians can provide some assets."',
            [
                '"Why did we deal with Stalin? Because he was not as bad as Hitler," Sen. Lindsey Graham (R., S.C.) '
                "said Sunday on CNN.",
                '"The Iranians can provide some assets."',
            ],
        ),
        (
            "The U.S. and Iran are allies. Mr. Obama said so. Dr. Smith agreed at 3 p.m. on Monday. It was fine.",
            ["The U.S. and Iran are allies.", "Mr. Obama said so.", "Dr. Smith agreed at 3 p.m. on Monday.", "It was fine."],
        ),
        (
            "“They do pose a threat,” Kerry said of fighters. “They cannot be given safe haven anywhere.",
            ["“They do pose a threat,” Kerry said of fighters.", "“They cannot be given safe haven anywhere."],
        ),
        (
            "No plans to send troops into Iraq...again. The situation changed.",
            ["No plans to send troops into Iraq...again.", "The situation changed."],
        ),
        (
            "Iran has a different vision for Iraq than does the U.S. The Iranian government disagrees.",
            ["Iran has a different vision for Iraq than does the U.S.", "The Iranian government disagrees."],
        ),
        ("John F. Kennedy spoke. Then he left.", ["John F. Kennedy spoke.", "Then he left."]),
        ("He said “I am confident… that they will come.” Then he left.",
         ["He said “I am confident… that they will come.”", "Then he left."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentences_are_verbatim_slices() -> None:
    text = "First sentence here.  Second one, with “quotes.” Third?"
    for sentence in split_sentences(text):
        assert sentence in text


def test_words_keep_abbreviations_and_apostrophes() -> None:
    assert split_words("The U.S. isn’t al-Maliki's ally, 2014.") == ["The", "U.S", "isn’t", "al-Maliki's", "ally", "2014"]


def test_sumy_tokenizer_interface() -> None:
    tokenizer = SumyTokenizer()
    assert tokenizer.language == "english"
    assert tokenizer.to_sentences("One. Two.") == ["One.", "Two."]
