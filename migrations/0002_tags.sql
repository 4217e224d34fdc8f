-- Themes, tagging, review and safeguarding (issue 3).

-- Theme frameworks are data. The three shipped ones are loaded from nlp/frameworks/ by the app at start-up;
-- admins can add others from a file.
CREATE TABLE frameworks (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    document    jsonb NOT NULL,
    builtin     boolean NOT NULL DEFAULT false,
    added_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    added_at    timestamptz NOT NULL DEFAULT now()
);

-- Trained models live in the database, so every worker on every machine loads the same active one.
CREATE TYPE model_status AS ENUM ('active', 'retired', 'rejected');
CREATE TABLE theme_models (
    version         text PRIMARY KEY,
    framework_id    text NOT NULL REFERENCES frameworks (id),
    status          model_status NOT NULL,
    card            bytea NOT NULL,
    weights         bytea NOT NULL,
    dev_micro_f1    real,
    dev_macro_f1    real,
    train_examples  integer NOT NULL,
    corrections     integer NOT NULL DEFAULT 0,
    note            text NOT NULL DEFAULT '',
    trained_at      timestamptz NOT NULL,
    decided_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX theme_models_one_active ON theme_models (framework_id) WHERE status = 'active';

-- One row per contribution: what the last model run found besides themes.
CREATE TABLE contribution_analyses (
    contribution_id     uuid PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    framework_id        text NOT NULL REFERENCES frameworks (id),
    model_version       text NOT NULL,
    scores              jsonb NOT NULL,
    sentiment           text CHECK (sentiment IN ('negative', 'positive', 'mixed', 'neutral')),
    detected_language   text NOT NULL,
    needs_translation   boolean NOT NULL,
    -- How close the nearest theme score came to its threshold: the review queue shows the smallest first.
    margin              real NOT NULL,
    analysed_at         timestamptz NOT NULL DEFAULT now(),
    reviewed_at         timestamptz,
    reviewed_by         uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX contribution_analyses_queue ON contribution_analyses (margin, analysed_at) WHERE reviewed_at IS NULL;

-- A theme on a contribution. A person's decision (given or removed) is final: a model run never replaces it.
CREATE TYPE tag_source AS ENUM ('model', 'person');
CREATE TABLE contribution_tags (
    contribution_id  uuid NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
    framework_id     text NOT NULL REFERENCES frameworks (id),
    theme_id         text NOT NULL,
    given            boolean NOT NULL DEFAULT true,
    source           tag_source NOT NULL,
    confidence       real,
    evidence         jsonb NOT NULL DEFAULT '[]',
    model_version    text,
    tagged_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    tagged_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contribution_id, framework_id, theme_id),
    CHECK (source = 'person' OR given)
);
CREATE INDEX contribution_tags_theme ON contribution_tags (framework_id, theme_id) WHERE given;

CREATE TYPE flag_status AS ENUM ('open', 'actioned', 'not_a_concern');
CREATE TABLE safeguarding_flags (
    contribution_id   uuid PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    raised_at         timestamptz NOT NULL DEFAULT now(),
    raised_by         text NOT NULL,
    score             real,
    reasons           jsonb NOT NULL DEFAULT '[]',
    status            flag_status NOT NULL DEFAULT 'open',
    handled_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    handled_at        timestamptz,
    note              text NOT NULL DEFAULT ''
);
CREATE INDEX safeguarding_open ON safeguarding_flags (raised_at) WHERE status = 'open';
