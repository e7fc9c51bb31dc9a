"""The law's arithmetic, pure: limitation periods, interest caps, validation periods, calendars.

Nothing here reads the clock or the environment; dates are arguments. The tables the law needs
(the one-year LPR, US state limitation periods) are package data under `data/`, each row with
its source, read on first use through importlib.resources. The JSON-facing API is `api.py`
(docs/legal.md); the typed functions live in `limitation.py`, `caps.py`, `us.py`.
"""
