"""Fixtures of the alert tests."""

from tests.alert.receiver import receiver

__all__ = ["receiver"]
