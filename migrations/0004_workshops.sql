-- Workshops and live capture (issue 4): prompts, a live session joined by a short code, notes on a board.

ALTER TYPE contribution_source ADD VALUE IF NOT EXISTS 'workshop';

CREATE TABLE workshops (
    id                uuid PRIMARY KEY,
    programme         text NOT NULL REFERENCES programmes (slug) ON DELETE CASCADE,
    title             text NOT NULL CHECK (length(btrim(title)) > 0),
    held_on           date NOT NULL,
    venue             text NOT NULL DEFAULT '',
    neighbourhood     text REFERENCES neighbourhoods (slug),
    accessibility     text NOT NULL DEFAULT '',
    attendance        integer CHECK (attendance >= 0),
    equality_summary  text NOT NULL DEFAULT '',
    -- The live session: a short code people type on their phones, open until the facilitator closes it.
    code              text UNIQUE CHECK (code ~ '^[0-9A-Z]{6}$'),
    opened_at         timestamptz,
    closed_at         timestamptz,
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workshops_programme ON workshops (programme, held_on);

CREATE TABLE workshop_prompts (
    id           uuid PRIMARY KEY,
    workshop_id  uuid NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    text         text NOT NULL CHECK (length(btrim(text)) > 0),
    UNIQUE (workshop_id, position)
);

-- A note is a contribution (kind workshop_note, tagged like any other) placed on a workshop's board.
CREATE TABLE workshop_notes (
    contribution_id  uuid PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    workshop_id      uuid NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    prompt_id        uuid NOT NULL REFERENCES workshop_prompts (id),
    group_label      text NOT NULL DEFAULT '',
    duplicate_of     uuid REFERENCES contributions (id) ON DELETE SET NULL,
    from_paper       boolean NOT NULL DEFAULT false
);
CREATE INDEX workshop_notes_workshop ON workshop_notes (workshop_id, prompt_id);

-- What the board shows, in order: the server-sent event stream replays from the last id a board saw, so a board
-- that reconnects after a network drop neither loses nor repeats a note.
CREATE TABLE board_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id      uuid NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('note', 'moved', 'grouped', 'merged', 'closed')),
    contribution_id  uuid REFERENCES contributions (id) ON DELETE CASCADE,
    payload          jsonb NOT NULL DEFAULT '{}',
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX board_events_stream ON board_events (workshop_id, id);
