-- Foundation: places, people, contributions with consent per purpose, the outbox, mail and the audit trail.

CREATE TABLE neighbourhoods (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9-]+$'),
    name        text NOT NULL UNIQUE,
    borough     text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO neighbourhoods (slug, name, borough) VALUES
    ('brixton', 'Brixton', 'Lambeth'),
    ('clapham', 'Clapham', 'Lambeth'),
    ('kennington', 'Kennington', 'Lambeth'),
    ('norwood', 'Norwood', 'Lambeth'),
    ('stockwell', 'Stockwell', 'Lambeth'),
    ('streatham', 'Streatham', 'Lambeth'),
    ('tulse-hill', 'Tulse Hill', 'Lambeth'),
    ('vauxhall', 'Vauxhall', 'Lambeth'),
    ('waterloo', 'Waterloo and South Bank', 'Lambeth'),
    ('herne-hill', 'Herne Hill', 'Lambeth');

CREATE TYPE user_role AS ENUM ('admin', 'facilitator', 'governance', 'partner_staff');

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL UNIQUE CHECK (email = lower(email)),
    name            text NOT NULL,
    role            user_role NOT NULL,
    organisation    text,
    password_hash   text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

CREATE TYPE contribution_kind AS ENUM ('i_statement', 'story', 'workshop_note');
CREATE TYPE contribution_source AS ENUM ('web_form', 'api', 'staff_entry', 'import');

CREATE TABLE contributions (
    id                   uuid PRIMARY KEY,
    reference            text NOT NULL UNIQUE,
    kind                 contribution_kind NOT NULL,
    text                 text NOT NULL CHECK (length(btrim(text)) > 0),
    source               contribution_source NOT NULL,
    source_name          text,
    neighbourhood        text REFERENCES neighbourhoods (slug),
    language             text NOT NULL DEFAULT 'en',
    consent_analysis     boolean NOT NULL CHECK (consent_analysis),
    consent_quote        boolean NOT NULL DEFAULT false,
    consent_share        boolean NOT NULL DEFAULT false,
    consent_contact      boolean NOT NULL DEFAULT false,
    received_at          timestamptz NOT NULL DEFAULT now(),
    entered_by           uuid REFERENCES users (id),
    -- A retry with the same key returns the first answer; the fingerprint tells a retry from a clash.
    idempotency_key      text UNIQUE,
    request_fingerprint  text,
    search               tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED
);
CREATE INDEX contributions_received ON contributions (received_at DESC, id);
CREATE INDEX contributions_kind ON contributions (kind, received_at DESC);
CREATE INDEX contributions_neighbourhood ON contributions (neighbourhood, received_at DESC);
CREATE INDEX contributions_source ON contributions (source_name);
CREATE INDEX contributions_search ON contributions USING gin (search);

-- Personal data lives apart from the words, so that reading one never means reading the other.
CREATE TABLE contribution_contacts (
    contribution_id  uuid PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    name             text,
    email            text,
    phone            text
);

CREATE TABLE contribution_equality (
    contribution_id  uuid PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    age_band         text,
    ethnicity        text,
    disability       text,
    carer            text,
    language         text
);

-- What is left of a withdrawn contribution: that it existed and when it went. No words, no person.
CREATE TABLE withdrawals (
    contribution_id  uuid PRIMARY KEY,
    reference        text NOT NULL UNIQUE,
    kind             contribution_kind NOT NULL,
    received_at      timestamptz NOT NULL,
    withdrawn_at     timestamptz NOT NULL DEFAULT now(),
    via              text NOT NULL
);

CREATE TABLE outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic         text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    enqueued_at   timestamptz,
    enqueue_count integer NOT NULL DEFAULT 0,
    processed_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE enqueued_at IS NULL;
CREATE INDEX outbox_unprocessed ON outbox (enqueued_at) WHERE processed_at IS NULL;

CREATE TYPE mail_status AS ENUM ('queued', 'sending', 'sent', 'failed', 'unconfirmed');

CREATE TABLE mail_messages (
    id               uuid PRIMARY KEY,
    dedupe_key       text NOT NULL UNIQUE,
    template         text NOT NULL,
    to_address       text NOT NULL,
    contribution_id  uuid REFERENCES contributions (id) ON DELETE CASCADE,
    status           mail_status NOT NULL DEFAULT 'queued',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    claimed_at       timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX mail_due ON mail_messages (next_attempt_at) WHERE status = 'queued';

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    action         text NOT NULL,
    subject_type   text NOT NULL,
    subject_id     text NOT NULL,
    detail         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_subject ON audit_log (subject_type, subject_id);
