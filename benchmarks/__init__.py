"""Benchmarks of the Superset runtime on the local twin: `make bench` (benchmarks/run.py)."""
