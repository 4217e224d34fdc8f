-- Approval: a board's decision on a proposition, with the implementation plan (issue 4).

CREATE TABLE approvals (
    proposition_id  uuid PRIMARY KEY REFERENCES propositions (id) ON DELETE CASCADE,
    version         integer NOT NULL,
    approved        boolean NOT NULL,
    board           text NOT NULL CHECK (length(btrim(board)) > 0),
    decided_on      date NOT NULL,
    decision_note   text NOT NULL DEFAULT '',
    actions         text NOT NULL DEFAULT '',
    owner           text NOT NULL DEFAULT '',
    budget          text NOT NULL DEFAULT '',
    resourcing      text NOT NULL DEFAULT '',
    milestones      text NOT NULL DEFAULT '',
    recorded_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT approved OR (length(btrim(actions)) > 0 AND length(btrim(owner)) > 0))
);
