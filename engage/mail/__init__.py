"""Outgoing mail: queued in PostgreSQL, delivered by the worker through aiosmtplib, retried with back-off."""
