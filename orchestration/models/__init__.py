"""Pydantic models shared by every process: workflow, activity, signal and query payloads."""
