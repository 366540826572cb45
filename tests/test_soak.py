"""A short soak of the real server (bench/soak.py): mixed load, writes included, no error.

Slow, so outside the default suite: ``pytest -m slow tests/test_soak.py``. The full soak
(60 s, 32 clients) is ``python -m bench.soak``; RELIABILITY.md has its numbers.
"""

from __future__ import annotations

import pytest

from bench.soak import run_soak


@pytest.mark.slow
def test_a_short_soak_answers_every_request():
    report = run_soak(seconds=10, concurrency=8, articles=500, warmup=2)
    assert report["requests"] > 50
    assert report["errors"] == 0, report["error_examples"]
    assert {"search", "filter", "document"} <= set(report["kinds"])
