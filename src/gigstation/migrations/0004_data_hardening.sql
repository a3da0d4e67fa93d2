-- Hardening, part B (issue 8): data the database must never accept or keep.

-- 1. Distances: total over every coordinate the schema accepts. PostgreSQL raises an
-- "underflow" error when a float8 product or power rounds a non-zero value to zero, which
-- coordinates of extremely small magnitude (1e-160, subnormals ...) made the old function
-- do. A coordinate closer to 0 than 1e-9 degrees (0.1 mm on the ground) is taken as 0, the
-- same snap the Python distance applies; every product and square then stays far above
-- the smallest float8.
CREATE FUNCTION great_circle_snap(x float8) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(x) < 1e-9 THEN 0.0::float8 ELSE x END
$$;

CREATE FUNCTION great_circle_snapped_m(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT 6371009.0 * atan2(
        sqrt((cos(radians(lat2)) * sin(radians(lon2 - lon1))) ^ 2
             + (cos(radians(lat1)) * sin(radians(lat2))
                - sin(radians(lat1)) * cos(radians(lat2)) * cos(radians(lon2 - lon1))) ^ 2),
        sin(radians(lat1)) * sin(radians(lat2))
            + cos(radians(lat1)) * cos(radians(lat2)) * cos(radians(lon2 - lon1)))
$$;

CREATE OR REPLACE FUNCTION great_circle_m(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT great_circle_snapped_m(great_circle_snap(lat1), great_circle_snap(lon1),
                                  great_circle_snap(lat2), great_circle_snap(lon2))
$$;

-- 3. No plain birth date. A clear birth date beside a mask showing 3 + 4 characters left a
-- handful of candidates for a resident ID and one for a residence permit. Workers keep
-- only what the age rules need, rounded up to the first of a month (so the day of birth
-- is gone): the day a minor turns adult, and the day the age-50 priority starts (or the
-- first of the current month for someone already 50). Masks show the first and the last
-- character only. The reasoning, with the numbers: docs/architecture.md, "Hardening, part B".
CREATE FUNCTION month_up(d date) RETURNS date LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (date_trunc('month', d - 1) + interval '1 month')::date
$$;

ALTER TABLE workers
    ADD COLUMN adult_from date,
    ADD COLUMN priority_age_from date,
    ADD CHECK (adult_from = month_up(adult_from)),
    ADD CHECK (priority_age_from = month_up(priority_age_from));

-- PostgreSQL's '2008-02-29' + 18 years is 2026-02-28; rounded up it is 2026-03-01, the same
-- as the Python rule (a 29 February birthday is reached on 1 March in common years).
UPDATE workers SET
    adult_from = CASE WHEN month_up((birth_date + interval '18 years')::date) > current_date
                      THEN month_up((birth_date + interval '18 years')::date) END,
    priority_age_from = CASE WHEN month_up((birth_date + interval '50 years')::date) > current_date
                             THEN month_up((birth_date + interval '50 years')::date)
                             ELSE date_trunc('month', current_date)::date END
WHERE birth_date IS NOT NULL;

ALTER TABLE workers DROP COLUMN birth_date, DROP COLUMN minor;

-- The old masks showed the first 3 (or 2) and the last 4 (or 2) characters, always at least
-- one of each: the new mask is their first and last character.
UPDATE workers SET id_masked = left(id_masked, 1) || repeat('*', length(id_masked) - 2) || right(id_masked, 1)
WHERE length(id_masked) >= 4;
UPDATE employers SET id_masked = left(id_masked, 1) || repeat('*', length(id_masked) - 2) || right(id_masked, 1)
WHERE length(id_masked) >= 4;

-- 7. Work and pay rules (docs/architecture.md, "Hardening, part B").
-- Work is completed no earlier than it started (NOT VALID: rows from before are left as
-- they are, every new or changed row is checked).
ALTER TABLE assignments
    ADD CONSTRAINT assignments_completed_after_start
        CHECK (completed_at IS NULL OR completed_at >= starts_at) NOT VALID;

-- Pay is a ledger: every amount the employer records is a new row, never an overwrite.
-- The first is a 'payment'; any later different amount is a 'correction' that must say
-- why. assignments.paid_cents / paid_at always show the latest row (kept by the trigger
-- below, and no other way); the rows themselves can be neither changed nor deleted.
CREATE TABLE payments (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id),
    amount_cents  integer NOT NULL CHECK (amount_cents > 0 AND amount_cents <= 10000000),
    kind          text NOT NULL CHECK (kind IN ('payment', 'correction')),
    reason        text CHECK (char_length(reason) <= 500),
    recorded_by   uuid REFERENCES users (id),
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'payment' OR coalesce(char_length(reason), 0) >= 1)
);
CREATE UNIQUE INDEX payments_one_first ON payments (assignment_id) WHERE kind = 'payment';
CREATE INDEX payments_assignment ON payments (assignment_id, seq);

-- What was recorded before becomes the first entry; a recorded 0 was no payment at all.
INSERT INTO payments (assignment_id, amount_cents, kind, recorded_at)
SELECT id, paid_cents, 'payment', coalesce(paid_at, now()) FROM assignments WHERE paid_cents > 0;
UPDATE assignments SET paid_cents = NULL, paid_at = NULL WHERE paid_cents = 0;
ALTER TABLE assignments ADD CONSTRAINT assignments_paid_positive CHECK (paid_cents > 0);

CREATE FUNCTION payments_check_state() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a record;
BEGIN
    SELECT status, pay_confirmed_at INTO a FROM assignments WHERE id = NEW.assignment_id FOR UPDATE;
    IF a.status IS DISTINCT FROM 'completed' OR a.pay_confirmed_at IS NOT NULL THEN
        RAISE EXCEPTION 'pay is recorded only for completed work whose pay is not yet confirmed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_state';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payments_check_state BEFORE INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_check_state();

CREATE FUNCTION payments_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assignments SET paid_cents = NEW.amount_cents, paid_at = NEW.recorded_at
    WHERE id = NEW.assignment_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER payments_apply AFTER INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_apply();

CREATE FUNCTION payments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payments are never changed or deleted; record a correction'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_append_only';
END
$$;
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_append_only();

-- assignments.paid_cents follows the ledger and nothing else.
CREATE FUNCTION assignments_paid_follows_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.paid_cents IS DISTINCT FROM (SELECT p.amount_cents FROM payments p
                                        WHERE p.assignment_id = NEW.id ORDER BY p.seq DESC LIMIT 1) THEN
        RAISE EXCEPTION 'paid_cents changes only through a payments row'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assignments_paid_follows_ledger';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER assignments_paid_follows_ledger BEFORE UPDATE OF paid_cents ON assignments
    FOR EACH ROW WHEN (NEW.paid_cents IS DISTINCT FROM OLD.paid_cents)
    EXECUTE FUNCTION assignments_paid_follows_ledger();

-- A piece rate below 1 yuan a piece is refused (the hourly minimum cannot be checked for
-- piece work, so a floor stands in for it; an order above it is still shown beside the
-- district's wage guidance).
ALTER TABLE orders
    ADD CONSTRAINT orders_piece_pay_floor CHECK (pay_unit <> 'piece' OR pay_cents >= 100) NOT VALID;

-- An order belongs to a station that can reach it. The service refuses orders farther than
-- the dispatch reach (a setting, 15 km by default) from every station; the database backs
-- that with the farthest any worker may ever travel (checkins.max_distance_m, 100 km).
CREATE FUNCTION orders_within_reach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.station_id IS NOT NULL AND (
        SELECT great_circle_m(s.lat, s.lon, NEW.lat, NEW.lon) FROM stations s WHERE s.id = NEW.station_id
    ) > 100000 THEN
        RAISE EXCEPTION 'an order lies more than 100 km from its station'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_within_reach';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_within_reach BEFORE INSERT OR UPDATE OF station_id, lat, lon ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_within_reach();
