-- Dispatch: runs, operator pairings, offers, assignments, work and pay, ratings, events.

ALTER TABLE stations ADD COLUMN last_dispatch_at timestamptz;

CREATE TABLE dispatch_runs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    station_id  uuid NOT NULL REFERENCES stations (id),
    started_by  uuid REFERENCES users (id),            -- null for automatic runs
    trigger     text NOT NULL CHECK (trigger IN ('manual', 'auto')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    stats       jsonb NOT NULL,
    unfilled    jsonb NOT NULL
);
CREATE INDEX dispatch_runs_station ON dispatch_runs (station_id, started_at DESC);

-- An operator's manual decisions for the next run: pin a pairing or forbid it.
CREATE TABLE pairings (
    station_id uuid NOT NULL REFERENCES stations (id),
    worker_id  uuid NOT NULL REFERENCES workers (user_id),
    order_id   uuid NOT NULL REFERENCES orders (id),
    kind       text NOT NULL CHECK (kind IN ('pin', 'forbid')),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, order_id)
);
CREATE INDEX pairings_station ON pairings (station_id);

CREATE TABLE offers (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id       uuid NOT NULL REFERENCES dispatch_runs (id),
    station_id   uuid NOT NULL REFERENCES stations (id),
    order_id     uuid NOT NULL REFERENCES orders (id),
    worker_id    uuid NOT NULL REFERENCES workers (user_id),
    distance_m   integer NOT NULL,
    priority     integer NOT NULL,
    status       text NOT NULL DEFAULT 'offered'
                 CHECK (status IN ('offered', 'accepted', 'declined', 'expired', 'withdrawn')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    answered_at  timestamptz,
    close_reason text
);
-- A worker holds at most one live offer per order.
CREATE UNIQUE INDEX offers_live_pair ON offers (worker_id, order_id) WHERE status = 'offered';
CREATE INDEX offers_worker_live ON offers (worker_id) WHERE status = 'offered';
CREATE INDEX offers_order_live ON offers (order_id) WHERE status = 'offered';
CREATE INDEX offers_station_day ON offers (station_id, created_at);

CREATE TABLE assignments (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    offer_id           uuid NOT NULL UNIQUE REFERENCES offers (id),
    order_id           uuid NOT NULL REFERENCES orders (id),
    worker_id          uuid NOT NULL REFERENCES workers (user_id),
    worker_no          bigint NOT NULL,
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL,
    status             text NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'completed', 'no_show', 'cancelled')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    completed_at       timestamptz,
    hours              numeric(5, 2) CHECK (hours > 0 AND hours <= 24),
    paid_cents         integer CHECK (paid_cents >= 0),
    paid_at            timestamptz,
    pay_confirmed_at   timestamptz,
    disputed_at        timestamptz,
    dispute_reason     text CHECK (char_length(dispute_reason) <= 500),
    dispute_resolved_at timestamptz,
    no_show_at         timestamptz,
    no_show_contested_at timestamptz,
    contest_reason     text CHECK (char_length(contest_reason) <= 500),
    -- No worker holds two assignments whose times overlap: enforced by the database, so
    -- two concurrent accepts cannot both win. int8range stands in for equality on the
    -- worker because core PostgreSQL lacks btree_gist (see 0001, workers.worker_no).
    EXCLUDE USING gist (
        int8range(worker_no, worker_no + 1) WITH &&,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status IN ('active', 'completed'))
);
CREATE INDEX assignments_order ON assignments (order_id);
CREATE INDEX assignments_worker ON assignments (worker_id, starts_at);

CREATE TABLE ratings (
    assignment_id uuid NOT NULL REFERENCES assignments (id),
    rater_id      uuid NOT NULL REFERENCES users (id),
    ratee_id      uuid NOT NULL REFERENCES users (id),
    stars         smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment       text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 300),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assignment_id, rater_id)
);
CREATE INDEX ratings_ratee ON ratings (ratee_id);

-- The outbox: events are rows written in the same transaction as the change they report.
-- The trigger's NOTIFY is delivered only at commit, so a rolled-back change never notifies,
-- and LISTEN fans out to every server process.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    user_id    uuid,
    station_id uuid,
    kind       text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}',
    CHECK (user_id IS NOT NULL OR station_id IS NOT NULL)
);
CREATE INDEX events_user ON events (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX events_station ON events (station_id, id) WHERE station_id IS NOT NULL;

CREATE FUNCTION notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gigstation_events', NEW.id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION notify_event();
