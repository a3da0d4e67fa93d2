-- Whether an order's coordinates mark the workplace itself. An employer who posts from the
-- order page without the phone's location gets the chosen station's coordinates as a
-- stand-in (for dispatch distances); the worker's page must then not say "0 m from the
-- station" nor navigate to the station, but send them by the address.
ALTER TABLE orders ADD COLUMN located boolean NOT NULL DEFAULT true;

-- Orders posted before this column: a page order without a location has exactly its
-- station's coordinates (an API client or a phone never lands on them to the 1e-15 degree).
UPDATE orders o SET located = false
FROM stations s
WHERE s.id = o.station_id AND o.lat = s.lat AND o.lon = s.lon;
