-- Work and pay: how an operator closes a complaint, and the day report's lookups.

-- A wage dispute and a contested no-show are closed by an operator; 0002 records when a
-- dispute was resolved, this adds the same for contests, who closed it and why, and
-- whether the contest was upheld (an overturned no-show no longer counts against the worker).
ALTER TABLE assignments
    ADD COLUMN contest_resolved_at timestamptz,
    ADD COLUMN no_show_overturned  boolean NOT NULL DEFAULT false,
    ADD COLUMN resolved_by         uuid REFERENCES users (id),
    ADD COLUMN resolution_note     text CHECK (char_length(resolution_note) <= 500),
    ADD CHECK (NOT no_show_overturned OR (status = 'no_show' AND no_show_contested_at IS NOT NULL));

-- The operator's complaints list: only open complaints, found by order (then station).
CREATE INDEX assignments_open_complaints ON assignments (order_id)
    WHERE (disputed_at IS NOT NULL AND dispute_resolved_at IS NULL)
       OR (no_show_contested_at IS NOT NULL AND contest_resolved_at IS NULL);

-- The day report reads a station's orders by posting time.
CREATE INDEX orders_station_created ON orders (station_id, created_at);
