-- Hardening (issue 16): a session's CSRF token is bound to it (its hash is kept with the session, so a token made
-- for one sign-in is refused in another), and a user's sessions can be listed and ended.

ALTER TABLE staff_sessions ADD COLUMN csrf_hash bytea;
