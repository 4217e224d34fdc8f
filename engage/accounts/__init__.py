"""Staff accounts, roles and sign-in sessions. Citizens never need an account."""
