"""The observatory service: API, dashboard and feeds."""
