-- The Define evidence board's similarity clusters, computed by a worker on request (issue 4).

CREATE TABLE evidence_clusters (
    programme    text PRIMARY KEY REFERENCES programmes (slug) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now(),
    computed_at  timestamptz,
    clusters     jsonb NOT NULL DEFAULT '[]'
);
