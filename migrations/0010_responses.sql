-- "You said, we did" (issue 5): what people said, what was done, with the evidence it answers.

CREATE TYPE response_status AS ENUM ('planned', 'in_progress', 'done');

CREATE TABLE responses (
    id              uuid PRIMARY KEY,
    title           text NOT NULL CHECK (length(btrim(title)) > 0),
    you_said        text NOT NULL CHECK (length(btrim(you_said)) > 0),
    we_did          text NOT NULL CHECK (length(btrim(we_did)) > 0),
    status          response_status NOT NULL,
    theme_id        text,
    neighbourhood   text REFERENCES neighbourhoods (slug),
    proposition_id  uuid REFERENCES propositions (id) ON DELETE SET NULL,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX responses_published ON responses (published_at DESC);

CREATE TABLE response_evidence (
    response_id      uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    contribution_id  uuid NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
    PRIMARY KEY (response_id, contribution_id)
);
