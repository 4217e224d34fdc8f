-- Trust (issue 14): redacted words stored beside the words, copies withdrawal must reach, withdrawal on behalf,
-- sign-ins in the audit trail, and retention.

-- Redacted words, computed by the worker when it analyses a contribution and recomputed when the redactor
-- changes (redactor_version). Readers of redacted words search their own index, so a search cannot reveal a
-- name they may not read.
ALTER TABLE contributions
    ADD COLUMN redacted_text     text,
    ADD COLUMN redactor_version  text,
    ADD COLUMN search_redacted   tsvector
        GENERATED ALWAYS AS (to_tsvector('english', coalesce(redacted_text, ''))) STORED;
CREATE INDEX contributions_search_redacted ON contributions USING gin (search_redacted);
CREATE INDEX contributions_redaction_due ON contributions (id) WHERE redacted_text IS NULL;
CREATE INDEX contributions_entered_by ON contributions (entered_by) WHERE entered_by IS NOT NULL;

-- A withdrawal made by staff for someone who asked by phone or in person says who and why.
ALTER TABLE withdrawals
    ADD COLUMN withdrawn_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN reason        text;

-- An asset captured from a workshop note keeps its own facts; the words copied from the note go when the note's
-- author withdraws it, so the asset remembers which of its words were copied.
ALTER TABLE community_assets ADD COLUMN offers_from_note boolean NOT NULL DEFAULT false;
CREATE INDEX community_assets_from_note ON community_assets (from_note) WHERE from_note IS NOT NULL;

-- Board events carry ids only; the words are read from the contribution under the visibility rule.
UPDATE board_events SET payload = payload - 'text' WHERE payload ? 'text';

-- The audit page filters by person, action and date.
CREATE INDEX audit_at ON audit_log (at DESC);
CREATE INDEX audit_actor ON audit_log (actor_user_id, at DESC) WHERE actor_user_id IS NOT NULL;
CREATE INDEX audit_action ON audit_log (action, at DESC);

-- Retention: the daily job deletes by age.
CREATE INDEX mail_messages_created ON mail_messages (created_at);
CREATE INDEX withdrawals_at ON withdrawals (withdrawn_at);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);
ALTER TABLE contribution_contacts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE contribution_equality ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
UPDATE contribution_contacts k SET created_at = c.received_at FROM contributions c WHERE c.id = k.contribution_id;
UPDATE contribution_equality e SET created_at = c.received_at FROM contributions c WHERE c.id = e.contribution_id;
CREATE INDEX contribution_contacts_created ON contribution_contacts (created_at);
CREATE INDEX contribution_equality_created ON contribution_equality (created_at);

CREATE TABLE retention_runs (
    ran_on    date PRIMARY KEY,
    ran_at    timestamptz NOT NULL DEFAULT now(),
    deleted   jsonb NOT NULL
);

-- Withdrawal reaches every copy, whichever path deletes a contribution: the row's own data goes by cascade;
-- this trigger reaches the copies that live inside other rows. An asset keeps its own facts and loses the words
-- copied from the note; stored clusters lose the member and are computed again (their labels came from its words
-- too); a digest already built keeps its counts and its quote becomes "withdrawn by its author".
-- A quote in a digest already built, replaced (its counts stay): on withdrawal, and when its author stops quoting.
CREATE FUNCTION forget_quote(contribution uuid, replacement text) RETURNS void LANGUAGE sql AS $$
    UPDATE digests SET content = jsonb_set(content, '{quotes}', coalesce((
        SELECT jsonb_agg(jsonb_set(g, '{quotes}', coalesce((
            SELECT jsonb_agg(CASE WHEN q->>'contribution_id' = contribution::text
                                  THEN q || jsonb_build_object('text', replacement, 'withdrawn', true)
                                  ELSE q END ORDER BY i)
            FROM jsonb_array_elements(g->'quotes') WITH ORDINALITY x(q, i)), '[]'::jsonb)) ORDER BY gi)
        FROM jsonb_array_elements(content->'quotes') WITH ORDINALITY y(g, gi)), '[]'::jsonb))
    WHERE content @> jsonb_build_object('quotes', jsonb_build_array(jsonb_build_object(
        'quotes', jsonb_build_array(jsonb_build_object('contribution_id', contribution::text)))));
$$;

CREATE FUNCTION forget_withdrawn_contribution() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE community_assets SET offers = '', offers_from_note = false WHERE from_note = OLD.id AND offers_from_note;

    WITH touched AS (
        UPDATE evidence_clusters SET requested_at = now(), clusters = coalesce((
            SELECT jsonb_agg(jsonb_set(g, '{contributions}', coalesce((
                SELECT jsonb_agg(m ORDER BY i) FROM jsonb_array_elements(g->'contributions') WITH ORDINALITY x(m, i)
                WHERE m <> to_jsonb(OLD.id::text)), '[]'::jsonb)) ORDER BY gi)
            FROM jsonb_array_elements(clusters) WITH ORDINALITY y(g, gi)), '[]'::jsonb)
        WHERE clusters @> jsonb_build_array(jsonb_build_object('contributions', jsonb_build_array(OLD.id::text)))
        RETURNING programme
    )
    INSERT INTO outbox (topic, payload)
    SELECT 'programme.clusters_requested', jsonb_build_object('programme', programme) FROM touched;

    PERFORM forget_quote(OLD.id, 'Withdrawn by its author.');

    RETURN OLD;
END
$$;

CREATE TRIGGER contributions_forget_copies BEFORE DELETE ON contributions
    FOR EACH ROW EXECUTE FUNCTION forget_withdrawn_contribution();
