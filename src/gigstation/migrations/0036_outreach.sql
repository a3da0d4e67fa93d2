-- Pushing what helps (issue 19): training courses and policy notices published to one
-- station or to the whole district, workers' interest in a course, and the training
-- workers say they want. Notices are withdrawn, never deleted or edited: what a worker
-- was shown stays on record.
CREATE TABLE notices (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind         text NOT NULL CHECK (kind IN ('course', 'policy')),
    -- NULL: the whole district (published by the office).
    station_id   uuid REFERENCES stations (id),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    body         text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    -- A course runs from starts_on to ends_on; a policy notice is shown between them.
    starts_on    date NOT NULL,
    ends_on      date NOT NULL CHECK (ends_on >= starts_on),
    place        text NOT NULL DEFAULT '' CHECK (char_length(place) <= 200),
    seats        integer CHECK (seats BETWEEN 1 AND 10000),
    skill        text,
    published_by uuid NOT NULL REFERENCES users (id),
    published_at timestamptz NOT NULL DEFAULT now(),
    withdrawn_by uuid REFERENCES users (id),
    withdrawn_at timestamptz,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL)),
    -- A course has a place and seats; a policy notice has neither seats nor a skill.
    CHECK (kind = 'policy' OR (seats IS NOT NULL AND char_length(place) >= 1)),
    CHECK (kind = 'course' OR (seats IS NULL AND skill IS NULL))
);
CREATE INDEX notices_current ON notices (station_id, ends_on) WHERE withdrawn_at IS NULL;

-- Interest in a course: one open row per worker and course (a partial unique index, so two
-- taps at once cannot count twice); withdrawing keeps the row with its time.
CREATE TABLE course_interest (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id    uuid NOT NULL REFERENCES notices (id),
    worker_id    uuid NOT NULL REFERENCES workers (user_id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz
);
CREATE UNIQUE INDEX course_interest_open ON course_interest (notice_id, worker_id)
    WHERE withdrawn_at IS NULL;

-- Training a worker wants: a skill from the taxonomy, the same pattern as interest.
CREATE TABLE training_wishes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker_id    uuid NOT NULL REFERENCES workers (user_id),
    skill        text NOT NULL CHECK (char_length(skill) BETWEEN 1 AND 50),
    created_at   timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz
);
CREATE UNIQUE INDEX training_wishes_open ON training_wishes (worker_id, skill)
    WHERE withdrawn_at IS NULL;
