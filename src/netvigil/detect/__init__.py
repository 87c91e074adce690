"""The detector: pure functions and small state machines from signal series to events."""
