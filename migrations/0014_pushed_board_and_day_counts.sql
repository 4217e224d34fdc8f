-- Performance (issue 12): the live board is pushed, not polled.

-- The live board. A committed board event notifies every web process (LISTEN engage_board_events) with the
-- workshop's id only: the words still reach a board solely through events_after() and the reader's Sight.
CREATE FUNCTION notify_board_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('engage_board_events', w::text) FROM (SELECT DISTINCT workshop_id AS w FROM inserted) s;
    RETURN NULL;
END
$$;
CREATE TRIGGER board_events_notify AFTER INSERT ON board_events REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION notify_board_events();
