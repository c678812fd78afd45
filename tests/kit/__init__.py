"""Reusable test utilities (stand-ins for external services)."""
