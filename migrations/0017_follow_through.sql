-- Issue 10: residents, carers and voluntary-sector members in a programme's community of practice, and following
-- decisions through ("you said, we did" status history; a board's recommendations tracker).

-- A community of practice member has an account without a password: they sign in by an emailed link.
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'community_member';
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

-- A sign-in link: one use, short-lived. The token is derived from the link's id with the secret key (so the email
-- can be built when it is sent) and only its SHA-256 is kept here.
CREATE TABLE member_links (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    programme   text REFERENCES programmes (slug) ON DELETE CASCADE,
    invited_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX member_links_user ON member_links (user_id, created_at DESC);

-- Comments on propositions, by members of the community of practice and staff. Free text, so readers of
-- redacted words read the worker's redaction (engage.privacy.visibility.authored_words).
CREATE TABLE proposition_comments (
    id                uuid PRIMARY KEY,
    proposition_id    uuid NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
    author_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body              text NOT NULL CHECK (length(btrim(body)) > 0),
    redacted_body     text,
    redactor_version  text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposition_comments_proposition ON proposition_comments (proposition_id, created_at);
CREATE INDEX proposition_comments_redaction_due ON proposition_comments (id) WHERE redacted_body IS NULL;

-- "You said, we did": a status that moves, each change dated with a line of what changed.
ALTER TYPE response_status ADD VALUE IF NOT EXISTS 'could_not_do';
CREATE TABLE response_updates (
    id           uuid PRIMARY KEY,
    response_id  uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    status       response_status NOT NULL,
    note         text NOT NULL CHECK (length(btrim(note)) > 0),
    changed_on   date NOT NULL,
    recorded_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX response_updates_response ON response_updates (response_id, changed_on, recorded_at);
INSERT INTO response_updates (id, response_id, status, note, changed_on, recorded_by, recorded_at)
SELECT gen_random_uuid(), id, status, 'Published.', (published_at AT TIME ZONE 'Europe/London')::date, created_by,
       published_at
FROM responses;

-- A board's (or scrutiny committee's) recommendations, what they are linked to, and their dated updates.
CREATE TABLE recommendations (
    id          uuid PRIMARY KEY,
    board_id    text NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    label       text NOT NULL DEFAULT '',
    text        text NOT NULL CHECK (length(btrim(text)) > 0),
    owner       text NOT NULL CHECK (length(btrim(owner)) > 0),
    made_on     date NOT NULL,
    due_on      date,
    status      text NOT NULL DEFAULT 'awaiting'
                CHECK (status IN ('awaiting', 'accepted', 'in_progress', 'done', 'rejected')),
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recommendations_board ON recommendations (board_id, made_on);

CREATE TABLE recommendation_updates (
    id                 uuid PRIMARY KEY,
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    status             text NOT NULL CHECK (status IN ('accepted', 'in_progress', 'done', 'rejected')),
    note               text NOT NULL CHECK (length(btrim(note)) > 0),
    changed_on         date NOT NULL,
    recorded_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recommendation_updates_recommendation ON recommendation_updates (recommendation_id, changed_on);

CREATE TABLE recommendation_propositions (
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    proposition_id     uuid NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
    PRIMARY KEY (recommendation_id, proposition_id)
);

-- Withdrawing a contribution deletes its link: the recommendation's count of contributions goes down by one.
CREATE TABLE recommendation_contributions (
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    contribution_id    uuid NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
    PRIMARY KEY (recommendation_id, contribution_id)
);
CREATE INDEX recommendation_contributions_contribution ON recommendation_contributions (contribution_id);

CREATE TABLE recommendation_responses (
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    response_id        uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    PRIMARY KEY (recommendation_id, response_id)
);
