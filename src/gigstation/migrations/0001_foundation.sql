-- Foundation: accounts, stations, workers, employers, orders, check-ins, audit, idempotency.
-- Invariants live here (UNIQUE, CHECK, foreign keys); services catch the violations.

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    role          text NOT NULL CHECK (role IN ('admin', 'operator', 'worker', 'employer')),
    phone         text NOT NULL UNIQUE CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    password_hash text NOT NULL,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);

CREATE TABLE stations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    address          text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 200),
    lat              double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon              double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    service_radius_m integer NOT NULL CHECK (service_radius_m BETWEEN 10 AND 50000),
    region           text NOT NULL DEFAULT 'Shanghai',
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operator_stations (
    operator_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    station_id  uuid NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    PRIMARY KEY (operator_id, station_id)
);
CREATE INDEX operator_stations_station ON operator_stations (station_id);

CREATE TABLE workers (
    user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- A small number per worker: the no-overlap EXCLUDE constraint on assignments uses
    -- int8range(worker_no, worker_no + 1) because core PostgreSQL (and the embedded
    -- server) has gist range operators but not btree_gist's equality on uuid.
    worker_no       bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id_type         text NOT NULL CHECK (id_type IN ('resident_id', 'hk_mo_tw_residence_permit',
                        'hk_mo_travel_permit', 'tw_travel_permit', 'social_security_card')),
    id_cipher       bytea NOT NULL,
    id_index        bytea NOT NULL UNIQUE,
    id_masked       text NOT NULL,
    birth_date      date,
    minor           boolean NOT NULL DEFAULT false,
    priority_groups text[] NOT NULL DEFAULT '{}',
    priority_verified_by uuid REFERENCES users (id),
    priority_verified_at timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE worker_skills (
    worker_id   uuid NOT NULL REFERENCES workers (user_id) ON DELETE CASCADE,
    skill       text NOT NULL,
    -- 'active' may be dispatched; 'claimed' waits for an operator to see the certificate.
    status      text NOT NULL CHECK (status IN ('active', 'claimed')),
    verified_by uuid REFERENCES users (id),
    verified_at timestamptz,
    PRIMARY KEY (worker_id, skill)
);

CREATE TABLE employers (
    user_id                uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kind                   text NOT NULL CHECK (kind IN ('company', 'individual')),
    credit_code            text UNIQUE,
    id_cipher              bytea,
    id_index               bytea UNIQUE,
    id_masked              text,
    contact_name           text NOT NULL CHECK (char_length(contact_name) BETWEEN 1 AND 50),
    commitment_version     text NOT NULL,
    commitment_accepted_at timestamptz NOT NULL,
    verified_at            timestamptz,
    verified_by            uuid REFERENCES users (id),
    blacklisted_until      date,
    CHECK ((kind = 'company' AND credit_code IS NOT NULL AND id_cipher IS NULL)
        OR (kind = 'individual' AND credit_code IS NULL AND id_cipher IS NOT NULL
            AND id_index IS NOT NULL AND id_masked IS NOT NULL))
);

CREATE TABLE orders (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    employer_id  uuid NOT NULL REFERENCES employers (user_id),
    -- The nearest station at posting time dispatches the order, so two stations never
    -- offer the same slots at once.
    station_id   uuid REFERENCES stations (id),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    skill        text NOT NULL,
    headcount    integer NOT NULL CHECK (headcount BETWEEN 1 AND 200),
    filled       integer NOT NULL DEFAULT 0,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon          double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    address      text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 200),
    pay_cents    integer NOT NULL CHECK (pay_cents > 0),
    pay_unit     text NOT NULL CHECK (pay_unit IN ('hour', 'day', 'piece')),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'full', 'cancelled', 'closed')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz,
    cancelled_by uuid REFERENCES users (id),
    CHECK (ends_at > starts_at),
    CHECK (ends_at - starts_at <= interval '12 hours'),
    CHECK (filled BETWEEN 0 AND headcount)
);
CREATE INDEX orders_station_open ON orders (station_id, starts_at) WHERE status = 'open';
CREATE INDEX orders_employer ON orders (employer_id, created_at DESC);

CREATE TABLE checkins (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    worker_id       uuid NOT NULL REFERENCES workers (user_id),
    station_id      uuid NOT NULL REFERENCES stations (id),
    status          text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'left')),
    -- Whereabouts are sensitive (PIPL art. 28): null when an operator checked the worker
    -- in, and purged after the retention period.
    lat             double precision CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CHECK (lon BETWEEN -180 AND 180),
    distance_m      integer,
    by_operator     uuid REFERENCES users (id),
    available_until timestamptz NOT NULL,
    max_distance_m  integer NOT NULL CHECK (max_distance_m BETWEEN 100 AND 100000),
    checked_in_at   timestamptz NOT NULL DEFAULT now(),
    left_at         timestamptz
);
-- One open check-in per worker, enforced by the database rather than a check-then-insert.
CREATE UNIQUE INDEX checkins_one_open ON checkins (worker_id) WHERE status = 'waiting';
CREATE INDEX checkins_station_waiting ON checkins (station_id, checked_in_at) WHERE status = 'waiting';
CREATE INDEX checkins_station_day ON checkins (station_id, checked_in_at);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    request_hash bytea NOT NULL,
    status_code  integer NOT NULL,
    response     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- geopy's great_circle (atan2 form, earth radius 6371.009 km), so SQL, the API and the
-- solver agree on every distance.
CREATE FUNCTION great_circle_m(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT 6371009.0 * atan2(
        sqrt((cos(radians(lat2)) * sin(radians(lon2 - lon1))) ^ 2
             + (cos(radians(lat1)) * sin(radians(lat2))
                - sin(radians(lat1)) * cos(radians(lat2)) * cos(radians(lon2 - lon1))) ^ 2),
        sin(radians(lat1)) * sin(radians(lat2))
            + cos(radians(lat1)) * cos(radians(lat2)) * cos(radians(lon2 - lon1)))
$$;
