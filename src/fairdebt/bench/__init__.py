"""Benchmarks behind `fairdebt bench NAME`: each measures us and its baselines in one run."""
