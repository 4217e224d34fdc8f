-- Define: propositions drafted from the evidence, in versions, with the contributions behind them (issue 4).

CREATE TYPE proposition_status AS ENUM ('draft', 'shortlisted', 'approved', 'set_aside');

CREATE TABLE propositions (
    id           uuid PRIMARY KEY,
    programme    text NOT NULL REFERENCES programmes (slug) ON DELETE CASCADE,
    status       proposition_status NOT NULL DEFAULT 'draft',
    version      integer NOT NULL DEFAULT 1,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Every version is kept: what it said, what changed and why, and who changed it.
CREATE TABLE proposition_versions (
    proposition_id  uuid NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
    version         integer NOT NULL,
    title           text NOT NULL CHECK (length(btrim(title)) > 0),
    description     text NOT NULL CHECK (length(btrim(description)) > 0),
    for_whom        text NOT NULL DEFAULT '',
    themes          text[] NOT NULL DEFAULT '{}',
    what_changed    text NOT NULL DEFAULT '',
    why             text NOT NULL DEFAULT '',
    changed_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposition_id, version)
);

-- The evidence pinned behind a proposition. A withdrawn contribution leaves its row with no contribution, so the
-- proposition can say "1 item was withdrawn" without keeping any of its words.
CREATE TABLE proposition_evidence (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposition_id   uuid NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
    contribution_id  uuid REFERENCES contributions (id) ON DELETE SET NULL,
    pinned_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    pinned_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (proposition_id, contribution_id)
);
CREATE INDEX proposition_evidence_contribution ON proposition_evidence (contribution_id);
