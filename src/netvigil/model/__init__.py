"""Plain typed data shared by every layer: entities, signal points, events, failures, errors.

Rules: this package imports nothing else of netvigil, does no I/O and holds no state created at
import time. Everything here is a frozen dataclass, an enum-like closed set of strings, or an
exception class; the route items (routes.py), made millions of times per file, are NamedTuples:
as immutable, and four times cheaper to make.
"""
