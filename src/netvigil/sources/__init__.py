"""Inputs: one module per source, each turning its format into observations or signal points."""
