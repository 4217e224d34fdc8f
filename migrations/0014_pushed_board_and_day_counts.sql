-- Performance (issue 12): the live board is pushed, not polled, and digests read counts by day instead of
-- scanning every contribution ever received.

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

-- A digest quotes only redacted words (the worker stores them within seconds of intake): the partial index of
-- quotable contributions leaves out the few not redacted yet, so a digest's quotes cost what its period holds.
DROP INDEX contributions_quotable;
CREATE INDEX contributions_quotable ON contributions (received_at)
    WHERE consent_quote AND quote_approved_at IS NOT NULL AND redacted_text IS NOT NULL;

-- Counts by local day (Europe/London, as digest periods are), kept exact by triggers on every write: contributions,
-- the themes given to them, and their equality answers. A write appends its change as a row (a delta) rather than
-- updating a counter, so no writer ever waits for another on a busy day; the worker folds each key's deltas into
-- one row every minute (fold_day_counts), and adds them to the same counts by month (*_months, written by the fold
-- only). A reader adds up month rows for the whole months of its period, the deltas not folded yet in those months,
-- and day rows for the other days: exact at every moment (the fold moves deltas into both in one transaction), and
-- a month costs one row per key however many contributions it holds. An empty neighbourhood or programme is ''
-- (NULL would not match in the fold).
CREATE TABLE contribution_days (
    day            date NOT NULL,
    neighbourhood  text NOT NULL,
    programme      text NOT NULL,
    contributions  integer NOT NULL,
    folded         boolean NOT NULL DEFAULT false
);
CREATE INDEX contribution_days_day ON contribution_days (day);
CREATE INDEX contribution_days_fresh ON contribution_days (day) WHERE NOT folded;

CREATE TABLE theme_days (
    day            date NOT NULL,
    framework_id   text NOT NULL,
    theme_id       text NOT NULL,
    neighbourhood  text NOT NULL,
    programme      text NOT NULL,
    tags           integer NOT NULL,
    folded         boolean NOT NULL DEFAULT false
);
CREATE INDEX theme_days_day ON theme_days (framework_id, day);
CREATE INDEX theme_days_fresh ON theme_days (day) WHERE NOT folded;

CREATE TABLE equality_days (
    day            date NOT NULL,
    neighbourhood  text NOT NULL,
    programme      text NOT NULL,
    question       text NOT NULL,
    answer         text NOT NULL,
    answers        integer NOT NULL,
    folded         boolean NOT NULL DEFAULT false
);
CREATE INDEX equality_days_day ON equality_days (day);
CREATE INDEX equality_days_fresh ON equality_days (day) WHERE NOT folded;

CREATE TABLE contribution_months (
    month          date NOT NULL,
    neighbourhood  text NOT NULL,
    programme      text NOT NULL,
    contributions  integer NOT NULL,
    PRIMARY KEY (month, neighbourhood, programme)
);
CREATE TABLE theme_months (
    month          date NOT NULL,
    framework_id   text NOT NULL,
    theme_id       text NOT NULL,
    neighbourhood  text NOT NULL,
    programme      text NOT NULL,
    tags           integer NOT NULL,
    PRIMARY KEY (framework_id, month, theme_id, neighbourhood, programme)
);
CREATE TABLE equality_months (
    month          date NOT NULL,
    neighbourhood  text NOT NULL,
    programme      text NOT NULL,
    question       text NOT NULL,
    answer         text NOT NULL,
    answers        integer NOT NULL,
    PRIMARY KEY (month, neighbourhood, programme, question, answer)
);

CREATE FUNCTION local_day(moment timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (moment AT TIME ZONE 'Europe/London')::date;

-- The changes a statement made, as rows to append. Each function reads the statement's transition tables; rows of a
-- child table whose contribution is gone are not counted here (a withdrawal subtracts its tags and answers before
-- the cascade removes them: uncount_withdrawn below).
CREATE FUNCTION count_contributions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contribution_days (day, neighbourhood, programme, contributions)
    SELECT local_day(c.received_at), coalesce(c.neighbourhood, ''), coalesce(c.programme, ''),
           sum(CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END)
    FROM changed c GROUP BY 1, 2, 3;
    RETURN NULL;
END
$$;
CREATE TRIGGER contributions_count_in AFTER INSERT ON contributions REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION count_contributions();
CREATE TRIGGER contributions_count_out AFTER DELETE ON contributions REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION count_contributions();

CREATE FUNCTION count_themes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO theme_days (day, framework_id, theme_id, neighbourhood, programme, tags)
    SELECT local_day(c.received_at), t.framework_id, t.theme_id, coalesce(c.neighbourhood, ''),
           coalesce(c.programme, ''), sum(t.sign)
    FROM (SELECT contribution_id, framework_id, theme_id, 1 AS sign FROM added WHERE given
          UNION ALL
          SELECT contribution_id, framework_id, theme_id, -1 FROM removed WHERE given) t
    JOIN contributions c ON c.id = t.contribution_id
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(t.sign) <> 0;
    RETURN NULL;
END
$$;

CREATE FUNCTION count_answers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO equality_days (day, neighbourhood, programme, question, answer, answers)
    SELECT local_day(c.received_at), coalesce(c.neighbourhood, ''), coalesce(c.programme, ''), q.question, q.answer,
           sum(e.sign)
    FROM (SELECT contribution_id, age_band, ethnicity, disability, carer, 1 AS sign FROM added
          UNION ALL
          SELECT contribution_id, age_band, ethnicity, disability, carer, -1 FROM removed) e
    JOIN contributions c ON c.id = e.contribution_id
    CROSS JOIN LATERAL (VALUES ('age_band', e.age_band), ('ethnicity', e.ethnicity),
                               ('disability', e.disability), ('carer', e.carer)) AS q (question, answer)
    WHERE q.answer IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(e.sign) <> 0;
    RETURN NULL;
END
$$;

-- A trigger can name only the transition tables its event has, so inserts and deletes read an empty stand-in for
-- the other side.
CREATE FUNCTION count_themes_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO theme_days (day, framework_id, theme_id, neighbourhood, programme, tags)
    SELECT local_day(c.received_at), t.framework_id, t.theme_id, coalesce(c.neighbourhood, ''),
           coalesce(c.programme, ''), count(*) * CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END
    FROM changed t JOIN contributions c ON c.id = t.contribution_id
    WHERE t.given GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END
$$;
CREATE TRIGGER contribution_tags_count_in AFTER INSERT ON contribution_tags REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION count_themes_in();
CREATE TRIGGER contribution_tags_count_out AFTER DELETE ON contribution_tags REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION count_themes_in();
CREATE TRIGGER contribution_tags_count_change AFTER UPDATE ON contribution_tags
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_themes();

CREATE FUNCTION count_answers_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO equality_days (day, neighbourhood, programme, question, answer, answers)
    SELECT local_day(c.received_at), coalesce(c.neighbourhood, ''), coalesce(c.programme, ''), q.question, q.answer,
           count(*) * CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END
    FROM changed e JOIN contributions c ON c.id = e.contribution_id
    CROSS JOIN LATERAL (VALUES ('age_band', e.age_band), ('ethnicity', e.ethnicity),
                               ('disability', e.disability), ('carer', e.carer)) AS q (question, answer)
    WHERE q.answer IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END
$$;
CREATE TRIGGER contribution_equality_count_in AFTER INSERT ON contribution_equality REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION count_answers_in();
CREATE TRIGGER contribution_equality_count_out AFTER DELETE ON contribution_equality
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_answers_in();
CREATE TRIGGER contribution_equality_count_change AFTER UPDATE ON contribution_equality
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_answers();

-- A withdrawal removes a contribution's tags and answers by cascade, after the contribution itself has gone, when
-- the child tables' triggers can no longer find its day: subtract them here, while they are still there.
CREATE FUNCTION uncount_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO theme_days (day, framework_id, theme_id, neighbourhood, programme, tags)
    SELECT local_day(OLD.received_at), framework_id, theme_id, coalesce(OLD.neighbourhood, ''),
           coalesce(OLD.programme, ''), -count(*)
    FROM contribution_tags WHERE contribution_id = OLD.id AND given GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO equality_days (day, neighbourhood, programme, question, answer, answers)
    SELECT local_day(OLD.received_at), coalesce(OLD.neighbourhood, ''), coalesce(OLD.programme, ''), q.question,
           q.answer, -1
    FROM contribution_equality e
    CROSS JOIN LATERAL (VALUES ('age_band', e.age_band), ('ethnicity', e.ethnicity),
                               ('disability', e.disability), ('carer', e.carer)) AS q (question, answer)
    WHERE e.contribution_id = OLD.id AND q.answer IS NOT NULL;
    RETURN OLD;
END
$$;
CREATE TRIGGER contributions_uncount_withdrawn BEFORE DELETE ON contributions
    FOR EACH ROW EXECUTE FUNCTION uncount_withdrawn();

-- Nothing moves a contribution to another day, place or programme today; if something ever does, its counts move
-- with it (taken away under the old keys, added under the new).
CREATE FUNCTION recount_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contribution_days (day, neighbourhood, programme, contributions) VALUES
        (local_day(OLD.received_at), coalesce(OLD.neighbourhood, ''), coalesce(OLD.programme, ''), -1),
        (local_day(NEW.received_at), coalesce(NEW.neighbourhood, ''), coalesce(NEW.programme, ''), 1);
    INSERT INTO theme_days (day, framework_id, theme_id, neighbourhood, programme, tags)
    SELECT d.day, t.framework_id, t.theme_id, d.neighbourhood, d.programme, d.sign
    FROM contribution_tags t CROSS JOIN (VALUES
        (local_day(OLD.received_at), coalesce(OLD.neighbourhood, ''), coalesce(OLD.programme, ''), -1),
        (local_day(NEW.received_at), coalesce(NEW.neighbourhood, ''), coalesce(NEW.programme, ''), 1))
        AS d (day, neighbourhood, programme, sign)
    WHERE t.contribution_id = NEW.id AND t.given;
    INSERT INTO equality_days (day, neighbourhood, programme, question, answer, answers)
    SELECT d.day, d.neighbourhood, d.programme, q.question, q.answer, d.sign
    FROM contribution_equality e
    CROSS JOIN LATERAL (VALUES ('age_band', e.age_band), ('ethnicity', e.ethnicity),
                               ('disability', e.disability), ('carer', e.carer)) AS q (question, answer)
    CROSS JOIN (VALUES
        (local_day(OLD.received_at), coalesce(OLD.neighbourhood, ''), coalesce(OLD.programme, ''), -1),
        (local_day(NEW.received_at), coalesce(NEW.neighbourhood, ''), coalesce(NEW.programme, ''), 1))
        AS d (day, neighbourhood, programme, sign)
    WHERE e.contribution_id = NEW.id AND q.answer IS NOT NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER contributions_recount_moved AFTER UPDATE OF received_at, neighbourhood, programme ON contributions
    FOR EACH ROW WHEN (OLD.received_at IS DISTINCT FROM NEW.received_at
                       OR OLD.neighbourhood IS DISTINCT FROM NEW.neighbourhood
                       OR OLD.programme IS DISTINCT FROM NEW.programme)
    EXECUTE FUNCTION recount_moved();

-- Fold each key's deltas into one day row, and add them to the month's row. Rows appended while this runs are not
-- in its snapshot and wait for the next fold; readers see the deltas either unfolded, or folded into both the day
-- and the month rows, never half-way. Returns how many deltas it folded.
CREATE FUNCTION fold_day_counts() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    total integer := 0;
    n integer;
BEGIN
    WITH fresh AS (DELETE FROM contribution_days WHERE NOT folded
                   RETURNING day, neighbourhood, programme, contributions),
         keys AS (SELECT DISTINCT day, neighbourhood, programme FROM fresh),
         old AS (DELETE FROM contribution_days d USING keys k
                 WHERE d.folded AND d.day = k.day AND d.neighbourhood = k.neighbourhood AND d.programme = k.programme
                 RETURNING d.day, d.neighbourhood, d.programme, d.contributions),
         days AS (INSERT INTO contribution_days (day, neighbourhood, programme, contributions, folded)
                  SELECT day, neighbourhood, programme, sum(contributions), true
                  FROM (SELECT * FROM fresh UNION ALL SELECT * FROM old) a
                  GROUP BY 1, 2, 3 HAVING sum(contributions) <> 0),
         months AS (INSERT INTO contribution_months (month, neighbourhood, programme, contributions)
                    SELECT date_trunc('month', day)::date, neighbourhood, programme, sum(contributions)
                    FROM fresh GROUP BY 1, 2, 3
                    ON CONFLICT (month, neighbourhood, programme)
                    DO UPDATE SET contributions = contribution_months.contributions + excluded.contributions)
    SELECT count(*) INTO n FROM fresh;
    total := total + n;

    WITH fresh AS (DELETE FROM theme_days WHERE NOT folded
                   RETURNING day, framework_id, theme_id, neighbourhood, programme, tags),
         keys AS (SELECT DISTINCT day, framework_id, theme_id, neighbourhood, programme FROM fresh),
         old AS (DELETE FROM theme_days d USING keys k
                 WHERE d.folded AND d.framework_id = k.framework_id AND d.day = k.day AND d.theme_id = k.theme_id
                   AND d.neighbourhood = k.neighbourhood AND d.programme = k.programme
                 RETURNING d.day, d.framework_id, d.theme_id, d.neighbourhood, d.programme, d.tags),
         days AS (INSERT INTO theme_days (day, framework_id, theme_id, neighbourhood, programme, tags, folded)
                  SELECT day, framework_id, theme_id, neighbourhood, programme, sum(tags), true
                  FROM (SELECT * FROM fresh UNION ALL SELECT * FROM old) a
                  GROUP BY 1, 2, 3, 4, 5 HAVING sum(tags) <> 0),
         months AS (INSERT INTO theme_months (month, framework_id, theme_id, neighbourhood, programme, tags)
                    SELECT date_trunc('month', day)::date, framework_id, theme_id, neighbourhood, programme, sum(tags)
                    FROM fresh GROUP BY 1, 2, 3, 4, 5
                    ON CONFLICT (framework_id, month, theme_id, neighbourhood, programme)
                    DO UPDATE SET tags = theme_months.tags + excluded.tags)
    SELECT count(*) INTO n FROM fresh;
    total := total + n;

    WITH fresh AS (DELETE FROM equality_days WHERE NOT folded
                   RETURNING day, neighbourhood, programme, question, answer, answers),
         keys AS (SELECT DISTINCT day, neighbourhood, programme, question, answer FROM fresh),
         old AS (DELETE FROM equality_days d USING keys k
                 WHERE d.folded AND d.day = k.day AND d.neighbourhood = k.neighbourhood AND d.programme = k.programme
                   AND d.question = k.question AND d.answer = k.answer
                 RETURNING d.day, d.neighbourhood, d.programme, d.question, d.answer, d.answers),
         days AS (INSERT INTO equality_days (day, neighbourhood, programme, question, answer, answers, folded)
                  SELECT day, neighbourhood, programme, question, answer, sum(answers), true
                  FROM (SELECT * FROM fresh UNION ALL SELECT * FROM old) a
                  GROUP BY 1, 2, 3, 4, 5 HAVING sum(answers) <> 0),
         months AS (INSERT INTO equality_months (month, neighbourhood, programme, question, answer, answers)
                    SELECT date_trunc('month', day)::date, neighbourhood, programme, question, answer, sum(answers)
                    FROM fresh GROUP BY 1, 2, 3, 4, 5
                    ON CONFLICT (month, neighbourhood, programme, question, answer)
                    DO UPDATE SET answers = equality_months.answers + excluded.answers)
    SELECT count(*) INTO n FROM fresh;
    RETURN total + n;
END
$$;

-- What was there before this migration, counted once.
INSERT INTO contribution_days (day, neighbourhood, programme, contributions, folded)
SELECT local_day(received_at), coalesce(neighbourhood, ''), coalesce(programme, ''), count(*), true
FROM contributions GROUP BY 1, 2, 3;
INSERT INTO theme_days (day, framework_id, theme_id, neighbourhood, programme, tags, folded)
SELECT local_day(c.received_at), t.framework_id, t.theme_id, coalesce(c.neighbourhood, ''), coalesce(c.programme, ''),
       count(*), true
FROM contribution_tags t JOIN contributions c ON c.id = t.contribution_id WHERE t.given
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO equality_days (day, neighbourhood, programme, question, answer, answers, folded)
SELECT local_day(c.received_at), coalesce(c.neighbourhood, ''), coalesce(c.programme, ''), q.question, q.answer,
       count(*), true
FROM contribution_equality e JOIN contributions c ON c.id = e.contribution_id
CROSS JOIN LATERAL (VALUES ('age_band', e.age_band), ('ethnicity', e.ethnicity),
                           ('disability', e.disability), ('carer', e.carer)) AS q (question, answer)
WHERE q.answer IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO contribution_months (month, neighbourhood, programme, contributions)
SELECT date_trunc('month', day)::date, neighbourhood, programme, sum(contributions) FROM contribution_days
GROUP BY 1, 2, 3;
INSERT INTO theme_months (month, framework_id, theme_id, neighbourhood, programme, tags)
SELECT date_trunc('month', day)::date, framework_id, theme_id, neighbourhood, programme, sum(tags) FROM theme_days
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO equality_months (month, neighbourhood, programme, question, answer, answers)
SELECT date_trunc('month', day)::date, neighbourhood, programme, question, answer, sum(answers) FROM equality_days
GROUP BY 1, 2, 3, 4, 5;
