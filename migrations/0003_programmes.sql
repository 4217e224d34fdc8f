-- Co-design programmes (issue 4): purpose, neighbourhoods, framework, community of practice, three phases.

CREATE TYPE programme_phase AS ENUM ('discovery', 'define', 'develop');

CREATE TABLE programmes (
    slug             text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name             text NOT NULL CHECK (length(btrim(name)) > 0),
    purpose          text NOT NULL CHECK (length(btrim(purpose)) > 0),
    framework_id     text NOT NULL REFERENCES frameworks (id),
    phase            programme_phase NOT NULL DEFAULT 'discovery',
    discovery_from   date NOT NULL,
    define_from      date NOT NULL,
    develop_from     date NOT NULL,
    ends_on          date NOT NULL,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (discovery_from <= define_from AND define_from <= develop_from AND develop_from <= ends_on)
);

CREATE TABLE programme_neighbourhoods (
    programme     text NOT NULL REFERENCES programmes (slug) ON DELETE CASCADE,
    neighbourhood text NOT NULL REFERENCES neighbourhoods (slug),
    PRIMARY KEY (programme, neighbourhood)
);

-- The community of practice: facilitators run the programme; members take part in its decisions.
CREATE TABLE programme_members (
    programme  text NOT NULL REFERENCES programmes (slug) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('facilitator', 'member')),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme, user_id)
);

CREATE TABLE phase_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme   text NOT NULL REFERENCES programmes (slug) ON DELETE CASCADE,
    from_phase  programme_phase NOT NULL,
    to_phase    programme_phase NOT NULL,
    summary     text NOT NULL CHECK (length(btrim(summary)) > 0),
    changed_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE contributions ADD COLUMN programme text REFERENCES programmes (slug);
CREATE INDEX contributions_programme ON contributions (programme, received_at DESC) WHERE programme IS NOT NULL;
