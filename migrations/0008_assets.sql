-- Community assets: groups, networks, forums and places that already help people (issue 4).

CREATE TYPE asset_kind AS ENUM ('asset', 'group', 'network', 'forum');

CREATE TABLE community_assets (
    id             uuid PRIMARY KEY,
    programme      text REFERENCES programmes (slug) ON DELETE SET NULL,
    kind           asset_kind NOT NULL,
    name           text NOT NULL CHECK (length(btrim(name)) > 0),
    offers         text NOT NULL DEFAULT '',
    neighbourhood  text REFERENCES neighbourhoods (slug),
    public_contact text NOT NULL DEFAULT '',
    from_note      uuid REFERENCES contributions (id) ON DELETE SET NULL,
    created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    search         tsvector GENERATED ALWAYS AS (to_tsvector('english', name || ' ' || offers)) STORED
);
CREATE INDEX community_assets_search ON community_assets USING gin (search);
CREATE INDEX community_assets_neighbourhood ON community_assets (neighbourhood, kind);
