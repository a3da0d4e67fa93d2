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
