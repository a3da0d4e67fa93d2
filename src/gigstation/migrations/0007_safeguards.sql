-- Public-service safeguards: wage figures the office keeps, the arrears blacklist,
-- blocks between the two sides, complaint case timelines, arrival and departure of record.

-- Minimum wages per region with effective dates. An entry is never edited: a correction
-- supersedes it (superseded_at, superseded_by; the reference is deferred so the old row can
-- point at the new one's reserved id before it is inserted), so the figure an order was checked against
-- stays on record. created_by is null for the figures seeded from the shipped file.
CREATE TABLE minimum_wages (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region         text NOT NULL CHECK (char_length(region) BETWEEN 1 AND 50),
    effective_from date NOT NULL,
    hourly_fen     integer NOT NULL CHECK (hourly_fen > 0),
    monthly_fen    integer NOT NULL CHECK (monthly_fen > 0),
    source         text NOT NULL DEFAULT '' CHECK (char_length(source) <= 300),
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    superseded_by  bigint REFERENCES minimum_wages (id) DEFERRABLE INITIALLY DEFERRED,
    superseded_at  timestamptz,
    CHECK ((superseded_by IS NULL) = (superseded_at IS NULL))
);
CREATE UNIQUE INDEX minimum_wages_current ON minimum_wages (region, effective_from)
    WHERE superseded_at IS NULL;

-- Market wage guidance per job type (low / median / high per hour or per day).
CREATE TABLE wage_guidance (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region         text NOT NULL CHECK (char_length(region) BETWEEN 1 AND 50),
    skill          text NOT NULL CHECK (char_length(skill) BETWEEN 1 AND 50),
    pay_unit       text NOT NULL CHECK (pay_unit IN ('hour', 'day')),
    low_fen        integer NOT NULL,
    median_fen     integer NOT NULL,
    high_fen       integer NOT NULL,
    effective_from date NOT NULL,
    source         text NOT NULL DEFAULT '' CHECK (char_length(source) <= 300),
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    superseded_by  bigint REFERENCES wage_guidance (id) DEFERRABLE INITIALLY DEFERRED,
    superseded_at  timestamptz,
    CHECK (0 < low_fen AND low_fen <= median_fen AND median_fen <= high_fen),
    CHECK ((superseded_by IS NULL) = (superseded_at IS NULL))
);
CREATE UNIQUE INDEX wage_guidance_current ON wage_guidance (region, skill, pay_unit, effective_from)
    WHERE superseded_at IS NULL;

-- The guidance an order was compared with when it was posted, and whether it fell below.
ALTER TABLE orders
    ADD COLUMN guidance_id    bigint REFERENCES wage_guidance (id),
    ADD COLUMN below_guidance boolean NOT NULL DEFAULT false;

-- The arrears blacklist (保障农民工工资支付条例 art. 48). employers.blacklisted_until
-- (0001) stays the current standing that posting checks; this table is the history.
CREATE TABLE employer_blacklist (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employer_id uuid NOT NULL REFERENCES employers (user_id),
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    evidence    text NOT NULL CHECK (char_length(evidence) BETWEEN 1 AND 2000),
    ends_on     date NOT NULL,
    listed_by   uuid NOT NULL REFERENCES users (id),
    listed_at   timestamptz NOT NULL DEFAULT now(),
    lifted_by   uuid REFERENCES users (id),
    lifted_at   timestamptz,
    lift_reason text CHECK (char_length(lift_reason) <= 500),
    CHECK ((lifted_by IS NULL) = (lifted_at IS NULL))
);
-- At most one listing in force per employer.
CREATE UNIQUE INDEX employer_blacklist_open ON employer_blacklist (employer_id)
    WHERE lifted_at IS NULL;

-- A worker blocks an employer or an employer blocks a worker; dispatch never pairs them.
CREATE TABLE blocks (
    blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- A wage complaint's timeline beyond what the assignment row records (opened = disputed_at,
-- resolved = dispute_resolved_at): the employer's answer and an escalation to the district.
CREATE TABLE complaint_steps (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id),
    kind          text NOT NULL CHECK (kind IN ('employer_answered', 'escalated')),
    actor_id      uuid NOT NULL REFERENCES users (id),
    note          text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_steps_assignment ON complaint_steps (assignment_id, at);
CREATE UNIQUE INDEX complaint_steps_once ON complaint_steps (assignment_id, kind);

-- Arrival and departure recorded by the employer scanning the worker's personal code: the
-- hours of record for pay, overdue alerts and complaints.
ALTER TABLE assignments
    ADD COLUMN arrived_at   timestamptz,
    ADD COLUMN departed_at  timestamptz,
    ADD CHECK (departed_at IS NULL OR (arrived_at IS NOT NULL AND departed_at > arrived_at));

-- Pay overdue checks read unconfirmed assignments by end time.
CREATE INDEX assignments_pay_open ON assignments (ends_at)
    WHERE pay_confirmed_at IS NULL AND status IN ('active', 'completed');
