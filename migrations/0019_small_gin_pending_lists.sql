-- The full-text indexes on contributions keep new entries in a pending list (GIN's fastupdate) and merge it into
-- the index when it passes gin_pending_list_limit (4 MB by default). The insert that passes it does the whole merge
-- while its transaction waits: at intake that was one batch of up to 64 contributions held 100-120 ms, and every
-- batch queued behind it, which was intake's p99 (bench/ingest.py, 32 connections: p99 30-32 ms against 11-13 ms).
-- A 256 kB list is merged sixteen times as often in pieces a sixteenth the size: p99 10.8-13.4 ms, no batch over
-- 30 ms, the same throughput (5,244-5,811/s against 5,419-5,614/s, same run). Turning fastupdate off removed the
-- spikes too but cost 30 % of intake's throughput (3,679-3,973/s): every row then updates the index itself.
ALTER INDEX contributions_search SET (gin_pending_list_limit = 256);
ALTER INDEX contributions_search_redacted SET (gin_pending_list_limit = 256);
