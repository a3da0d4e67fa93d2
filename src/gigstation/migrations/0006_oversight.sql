-- Oversight: station satisfaction ratings, priority-group evidence with expiry, coarse
-- home areas for station planning, and what the retention job needs.

-- A one-tap rating of the station's service, by the worker, after each job.
CREATE TABLE station_ratings (
    assignment_id uuid PRIMARY KEY REFERENCES assignments (id),
    station_id    uuid NOT NULL REFERENCES stations (id),
    worker_id     uuid NOT NULL REFERENCES workers (user_id),
    stars         smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX station_ratings_station ON station_ratings (station_id, created_at);

-- The evidence an operator saw for each priority group a worker belongs to, and until
-- when it holds. workers.priority_groups stays the list of groups recorded (so older
-- readers keep working); a group whose evidence has expired stops counting wherever the
-- list is read through active_priority_groups().
CREATE TABLE priority_group_evidence (
    worker_id     uuid NOT NULL REFERENCES workers (user_id) ON DELETE CASCADE,
    grp           text NOT NULL,
    evidence_type text NOT NULL CHECK (char_length(evidence_type) BETWEEN 1 AND 50),
    evidence_date date NOT NULL,
    expires_on    date,
    -- The first instant the entry no longer counts: local midnight after expires_on,
    -- computed by the service in the configured zone.
    expires_at    timestamptz,
    recorded_by   uuid NOT NULL REFERENCES users (id),
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, grp),
    CHECK ((expires_on IS NULL) = (expires_at IS NULL)),
    CHECK (expires_on IS NULL OR expires_on >= evidence_date)
);

CREATE FUNCTION active_priority_groups(worker uuid, groups text[], at timestamptz)
RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(g ORDER BY g), '{}') FROM unnest(groups) AS g
    WHERE NOT EXISTS (SELECT 1 FROM priority_group_evidence e
                      WHERE e.worker_id = worker AND e.grp = g AND e.expires_at <= at)
$$;

-- Where a worker lives, only as the centre of a ~500 m cell (never the exact point):
-- the demand for station planning. Optional; given by the worker.
ALTER TABLE workers
    ADD COLUMN home_cell_lat double precision CHECK (home_cell_lat BETWEEN -90 AND 90),
    ADD COLUMN home_cell_lon double precision CHECK (home_cell_lon BETWEEN -180 AND 180),
    ADD CHECK ((home_cell_lat IS NULL) = (home_cell_lon IS NULL));

-- Anonymised accounts keep their row (wage records point at it) but lose identity data;
-- their phone becomes a non-dialable placeholder that still satisfies UNIQUE.
ALTER TABLE users ADD COLUMN anonymised_at timestamptz;
ALTER TABLE users DROP CONSTRAINT users_phone_check;
ALTER TABLE users ADD CONSTRAINT users_phone_check
    CHECK (phone ~ '^1[3-9][0-9]{9}$' OR (anonymised_at IS NOT NULL AND phone ~ '^anon-[0-9a-f]{32}$'));

-- The retention job finds old locations and recent activity quickly.
CREATE INDEX checkins_located_at ON checkins (checked_in_at) WHERE lat IS NOT NULL;
CREATE INDEX checkins_worker_at ON checkins (worker_id, checked_in_at);
