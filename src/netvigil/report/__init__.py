"""Incident reports, charts, impact and cost."""
