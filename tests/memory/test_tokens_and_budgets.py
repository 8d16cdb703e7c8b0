"""Offline token counts, calibration from reported usage, and budgets that hold."""

from __future__ import annotations

from storyai.core.memory.context import Budgets
from storyai.core.memory.tokens import BpeTokenizer, Calibration, CharTokenizer, default_tokenizer


def test_counts_work_offline_and_match_the_bpe():
    tok = default_tokenizer()
    assert isinstance(tok, BpeTokenizer)  # quicktok's bundled o200k, no download
    assert tok.count("Hello world") == 2
    prose = "The wind carries old songs through the square. " * 50
    assert abs(tok.count(prose) - CharTokenizer().count(prose)) / tok.count(prose) < 0.35


def test_calibration_learns_a_models_tokenizer_from_reported_usage():
    cal = Calibration(alpha=0.5)
    assert cal.factor("openai") == 1.0 and cal.factor("anthropic") == 1.2  # seeds
    cal.observe("local", local=1000, reported=1500)
    assert cal.factor("local") == 1.5
    cal.observe("local", local=1000, reported=1300)
    assert 1.3 < cal.factor("local") < 1.5
    cal.observe("local", local=1000, reported=0)  # a provider that reports nothing
    assert 1.3 < cal.factor("local") < 1.5


def test_budgets_shrink_for_a_model_that_counts_more_tokens():
    budgets = Budgets()
    scaled = budgets.scaled(1.5)
    assert scaled.recent == int(budgets.recent / 1.5)
    assert scaled.total < budgets.total
    assert budgets.scaled(0.8) == budgets  # never grow past the configured budget
