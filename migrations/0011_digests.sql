-- Governance (issue 5): boards and theme subscriptions, the digests sent to them, quote approval, and the
-- monthly rollups the dashboard reads.

-- A facilitator approves a contribution's words for quoting (the author must also have consented).
ALTER TABLE contributions
    ADD COLUMN quote_approved_at timestamptz,
    ADD COLUMN quote_approved_by uuid REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX contributions_quotable ON contributions (received_at) WHERE consent_quote AND quote_approved_at IS NOT NULL;

CREATE TYPE board_kind AS ENUM ('board', 'subscription');
CREATE TYPE digest_frequency AS ENUM ('weekly', 'monthly', 'before_meeting');

-- A board (Health and Wellbeing Board, Citizens' Board, ...) or one person's theme subscription. Empty filter
-- arrays mean "everything".
CREATE TABLE boards (
    id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    kind            board_kind NOT NULL DEFAULT 'board',
    name            text NOT NULL CHECK (length(btrim(name)) > 0),
    owner_id        uuid REFERENCES users (id) ON DELETE RESTRICT,
    frequency       digest_frequency NOT NULL,
    days_before     integer CHECK (days_before BETWEEN 1 AND 60),
    themes          text[] NOT NULL DEFAULT '{}',
    neighbourhoods  text[] NOT NULL DEFAULT '{}',
    programmes      text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'subscription' OR owner_id IS NOT NULL),
    CHECK ((frequency = 'before_meeting') = (days_before IS NOT NULL))
);

CREATE TABLE board_meetings (
    board_id  text NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    meets_on  date NOT NULL,
    PRIMARY KEY (board_id, meets_on)
);

-- Members are email addresses: not everyone on a board has a staff account. A subscriber confirms by email
-- first; members a board's owner adds are confirmed when added.
CREATE TABLE board_members (
    id               uuid PRIMARY KEY,
    board_id         text NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    email            text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    added_at         timestamptz NOT NULL DEFAULT now(),
    confirmed_at     timestamptz,
    unsubscribed_at  timestamptz,
    UNIQUE (board_id, email)
);
CREATE INDEX board_members_email ON board_members (email);

CREATE TABLE digests (
    id            uuid PRIMARY KEY,
    board_id      text NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    period_start  date NOT NULL,
    period_end    date NOT NULL,  -- exclusive
    content       jsonb NOT NULL,
    built_at      timestamptz NOT NULL DEFAULT now(),
    recipients    integer NOT NULL,
    UNIQUE (board_id, period_start, period_end),
    CHECK (period_start < period_end)
);

ALTER TABLE mail_messages ADD COLUMN digest_id uuid REFERENCES digests (id) ON DELETE CASCADE;
CREATE INDEX mail_messages_digest ON mail_messages (digest_id) WHERE digest_id IS NOT NULL;

-- Monthly rollups for the dashboard, refreshed by the worker (REFRESH ... CONCURRENTLY needs the unique indexes).
CREATE MATERIALIZED VIEW theme_monthly AS
SELECT date_trunc('month', c.received_at AT TIME ZONE 'Europe/London')::date AS month,
       t.framework_id, t.theme_id,
       coalesce(c.neighbourhood, '') AS neighbourhood,
       coalesce(c.programme, '') AS programme,
       count(*)::integer AS contributions
FROM contributions c JOIN contribution_tags t ON t.contribution_id = c.id AND t.given
GROUP BY 1, 2, 3, 4, 5;
CREATE UNIQUE INDEX theme_monthly_key ON theme_monthly (month, framework_id, theme_id, neighbourhood, programme);

CREATE MATERIALIZED VIEW contribution_monthly AS
SELECT date_trunc('month', c.received_at AT TIME ZONE 'Europe/London')::date AS month,
       coalesce(c.neighbourhood, '') AS neighbourhood,
       coalesce(c.programme, '') AS programme,
       count(*)::integer AS contributions,
       count(f.contribution_id)::integer AS flagged,
       count(f.contribution_id) FILTER (WHERE f.status = 'open')::integer AS flagged_open
FROM contributions c LEFT JOIN safeguarding_flags f ON f.contribution_id = c.id
GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX contribution_monthly_key ON contribution_monthly (month, neighbourhood, programme);

CREATE TABLE rollup_refreshes (
    name          text PRIMARY KEY,
    refreshed_at  timestamptz NOT NULL,
    took_ms       integer NOT NULL
);
