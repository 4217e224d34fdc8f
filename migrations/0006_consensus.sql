-- Develop and approval: consensus rounds on shortlisted propositions (issue 4).

CREATE TABLE consensus_rounds (
    id          uuid PRIMARY KEY,
    programme   text NOT NULL REFERENCES programmes (slug) ON DELETE CASCADE,
    title       text NOT NULL CHECK (length(btrim(title)) > 0),
    closes_at   timestamptz NOT NULL,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE round_propositions (
    round_id        uuid NOT NULL REFERENCES consensus_rounds (id) ON DELETE CASCADE,
    proposition_id  uuid NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
    statement       text NOT NULL DEFAULT '',
    PRIMARY KEY (round_id, proposition_id)
);

-- A citizen's invitation is a link with a random token; only its hash is stored, and it is used once.
CREATE TABLE round_invitations (
    token_hash     bytea PRIMARY KEY,
    round_id       uuid NOT NULL REFERENCES consensus_rounds (id) ON DELETE CASCADE,
    neighbourhood  text REFERENCES neighbourhoods (slug),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- One ballot per person per round: the unique key refuses a second.
CREATE TABLE ballots (
    id              uuid PRIMARY KEY,
    round_id        uuid NOT NULL REFERENCES consensus_rounds (id) ON DELETE CASCADE,
    voter           text NOT NULL,
    role            text NOT NULL,
    neighbourhood   text,
    age_band        text,
    cast_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (round_id, voter)
);

CREATE TABLE ballot_ratings (
    ballot_id       uuid NOT NULL REFERENCES ballots (id) ON DELETE CASCADE,
    proposition_id  uuid NOT NULL REFERENCES propositions (id) ON DELETE CASCADE,
    support         smallint NOT NULL CHECK (support BETWEEN 1 AND 5),
    statement       text CHECK (statement IN ('agree', 'disagree', 'unsure')),
    comment         text NOT NULL DEFAULT '',
    PRIMARY KEY (ballot_id, proposition_id)
);
