"""Benchmarks of the platform at city scale (`make bench`; docs/performance.md)."""
