"""Evaluation: the expert pool, panels and the draw, scoring, the evaluation report, awards and
notices, result challenges (质疑) and supplier complaints (投诉)."""
