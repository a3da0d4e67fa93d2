-- The pages: station wall screens (a secret link each) and the presence codes they show.

-- One wall screen per station. The link's token is kept only as its SHA-256, so a database
-- reader cannot open the screen; making a new link replaces the old one. The presence
-- secret signs the minute codes the screen shows; it outlives link changes, so a screen
-- reopened with a new link shows the same codes.
CREATE TABLE station_screens (
    station_id      uuid PRIMARY KEY REFERENCES stations (id) ON DELETE CASCADE,
    link_sha256     bytea NOT NULL UNIQUE CHECK (length(link_sha256) = 32),
    presence_secret bytea NOT NULL CHECK (length(presence_secret) >= 32),
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Wrong presence codes, counted per worker to stop guessing (six digits are few).
CREATE TABLE presence_failures (
    worker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX presence_failures_worker_at ON presence_failures (worker_id, at);

-- Shown on the printed poster ("每天 07:00–18:00"); free text set by an administrator.
ALTER TABLE stations ADD COLUMN opening_hours text CHECK (length(opening_hours) <= 100);
