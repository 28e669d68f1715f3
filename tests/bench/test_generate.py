"""The benchmark city generator (bench/generate.py) at a tiny scale on the test database."""

from __future__ import annotations

import io

import pytest

from bench.generate import generate

SCALE = 0.002

pytestmark = pytest.mark.django_db


def test_smoke():
    out = io.StringIO()
    counts = generate(SCALE, seed=3, stdout=out)
    print(out.getvalue())
    print(counts)
    assert counts["volunteers.HourRecord"] == 4000
