"""Validation: API-server-faithful schema checks and ObjectMeta rules."""
