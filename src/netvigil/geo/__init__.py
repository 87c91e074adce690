"""Mapping from addresses and numbers to entities: countries, regions, operators."""
