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
