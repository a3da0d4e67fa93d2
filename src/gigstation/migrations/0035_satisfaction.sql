-- Satisfaction from everyone a station serves (issue 19): employers rate the station's
-- service for an order, and a person who waited and found no work answers two questions
-- when checking out. Workers' ratings after a job are station_ratings (0006).

-- One rating per order, by its employer, once the work has ended (or one of its places was
-- completed). A second is refused (the primary key), so a figure cannot be stuffed.
CREATE TABLE employer_station_ratings (
    order_id    uuid PRIMARY KEY REFERENCES orders (id),
    station_id  uuid NOT NULL REFERENCES stations (id),
    employer_id uuid NOT NULL REFERENCES employers (user_id),
    stars       smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employer_station_ratings_station ON employer_station_ratings (station_id, created_at);

-- The checkout survey: one row per check-in that ended without work. Each question is
-- answered once (the service sets a column only while it is NULL), by the worker or by an
-- operator at the desk for a person without a phone (the *_by columns say who tapped).
CREATE TABLE checkout_surveys (
    checkin_id      uuid PRIMARY KEY REFERENCES checkins (id),
    station_id      uuid NOT NULL REFERENCES stations (id),
    worker_id       uuid NOT NULL REFERENCES workers (user_id),
    satisfaction    smallint CHECK (satisfaction BETWEEN 1 AND 5),
    satisfaction_by uuid REFERENCES users (id),
    satisfaction_at timestamptz,
    reason          text CHECK (reason IN ('no_suitable_work', 'pay_too_low', 'too_far',
                                           'hours_not_suitable', 'missed_offer', 'left_early',
                                           'other')),
    reason_by       uuid REFERENCES users (id),
    reason_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((satisfaction IS NULL) = (satisfaction_at IS NULL)
           AND (satisfaction IS NULL) = (satisfaction_by IS NULL)),
    CHECK ((reason IS NULL) = (reason_at IS NULL) AND (reason IS NULL) = (reason_by IS NULL)),
    CHECK (satisfaction IS NOT NULL OR reason IS NOT NULL)
);
CREATE INDEX checkout_surveys_station ON checkout_surveys (station_id, created_at);
