"""The audit trail: who looked at or changed personal data, and when."""
