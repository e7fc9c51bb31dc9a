"""The daily strategy run: snapshot → buckets, rolls, scores → segments → arms → action plan.

The strategy is YAML (`config.py`, reference in docs/strategy.md); the computation is Ibis
expressions (`snapshot.py`, `segment.py`, `score.py`, `roll.py`), so one strategy runs on DuckDB
and on PySpark; `run.py` orchestrates a run and `store.py` persists its plan atomically.
"""
