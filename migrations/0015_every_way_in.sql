-- Inclusion (issue 11): every way in. Contributions remember the language their author read Engage in, keep a
-- translation beside the words as written, arrive by phone, and come in on paper forms whose reference and
-- withdrawal code were printed before anyone wrote on them.

-- Taken down by phone (staff entry reads the reference and code back to the caller).
ALTER TYPE contribution_source ADD VALUE IF NOT EXISTS 'phone';

-- The language of the pages the author used (en, pt, es, pl...): their receipt and later emails are in it. Not the
-- language of the words (``language``): someone may read the English pages and write in Portuguese.
ALTER TABLE contributions
    ADD COLUMN locale              text NOT NULL DEFAULT 'en',
    -- A translation into English added by staff (the words as written are always kept). The tagger tags it and
    -- the redactor redacts it; pages show it, marked "translated from ...", with the original on request.
    ADD COLUMN translation         text CHECK (translation IS NULL OR length(btrim(translation)) > 0),
    ADD COLUMN translated_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN translated_at       timestamptz,
    -- The original words redacted too, for readers of redacted words who ask for the original of a translation.
    ADD COLUMN redacted_original   text;

-- Search finds a translated contribution by its translation as well as by its words.
DROP INDEX IF EXISTS contributions_search;
ALTER TABLE contributions DROP COLUMN search;
ALTER TABLE contributions ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', coalesce(translation, '') || ' ' || text)) STORED;
CREATE INDEX contributions_search ON contributions USING gin (search);

-- Each email goes out in its reader's language.
ALTER TABLE mail_messages ADD COLUMN locale text NOT NULL DEFAULT 'en';

-- Paper forms printed for an event: each copy has its own reference and withdrawal code. The code is derived from
-- the contribution's id, so the id is chosen when the form is printed, and typing the form in uses both. A
-- reference never issued, or already typed in, is refused. Rows hold no words and stay after a withdrawal (so
-- the same form cannot be typed in twice).
CREATE TABLE paper_forms (
    reference        text PRIMARY KEY,
    contribution_id  uuid NOT NULL UNIQUE,
    locale           text NOT NULL,
    batch            uuid NOT NULL,
    issued_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    issued_at        timestamptz NOT NULL DEFAULT now(),
    used_at          timestamptz
);
CREATE INDEX paper_forms_batch ON paper_forms (batch);

-- A digest's quote of a translated contribution carries its original (redacted) too: withdrawing it, or stopping
-- quoting, removes both.
CREATE OR REPLACE FUNCTION forget_quote(contribution uuid, replacement text) RETURNS void LANGUAGE sql AS $$
    UPDATE digests SET content = jsonb_set(content, '{quotes}', coalesce((
        SELECT jsonb_agg(jsonb_set(g, '{quotes}', coalesce((
            SELECT jsonb_agg(CASE WHEN q->>'contribution_id' = contribution::text
                                  THEN (q - 'original') || jsonb_build_object('text', replacement, 'withdrawn', true)
                                  ELSE q END ORDER BY i)
            FROM jsonb_array_elements(g->'quotes') WITH ORDINALITY x(q, i)), '[]'::jsonb)) ORDER BY gi)
        FROM jsonb_array_elements(content->'quotes') WITH ORDINALITY y(g, gi)), '[]'::jsonb))
    WHERE content @> jsonb_build_object('quotes', jsonb_build_array(jsonb_build_object(
        'quotes', jsonb_build_array(jsonb_build_object('contribution_id', contribution::text)))));
$$;
