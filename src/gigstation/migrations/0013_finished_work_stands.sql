-- Work that started is never cancelled nor turned into a no-show (docs/architecture.md,
-- "Records nobody can bend"). Before this migration an order cancelled after its start, or
-- an employer put on the blacklist, marked work already done as cancelled, and a no-show
-- could be recorded after the arrival was scanned. Such rows are put back to active, each
-- with an audit row, so the pay clock, the complaints and the reports see the work again.

-- One row at a time, so a worker who took another job at the same hours after the
-- cancellation keeps that one (the no-overlap constraint of 0002 holds); such a row stays
-- as it was and is listed in the audit trail for the office to look at.
DO $$
DECLARE
    r record;
    was text;
BEGIN
    FOR r IN
        SELECT a.id, a.status, a.worker_no, a.starts_at, a.ends_at
        FROM assignments a JOIN orders o ON o.id = a.order_id
        WHERE (a.status = 'cancelled' AND (a.arrived_at IS NOT NULL OR o.cancelled_at >= a.starts_at))
           OR (a.status = 'no_show' AND a.arrived_at IS NOT NULL)
        ORDER BY a.starts_at, a.id
    LOOP
        was := CASE r.status WHEN 'cancelled' THEN 'cancelled after the work started'
                             ELSE 'no-show recorded after the arrival' END;
        IF EXISTS (SELECT 1 FROM assignments b
                   WHERE b.worker_no = r.worker_no AND b.id <> r.id AND b.status IN ('active', 'completed')
                     AND tstzrange(b.starts_at, b.ends_at) && tstzrange(r.starts_at, r.ends_at)) THEN
            INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
            VALUES (NULL, 'assignment.restore_skipped', 'assignment', r.id::text,
                    jsonb_build_object('was', r.status, 'why', was || ' (migration 0013)',
                                       'blocked_by', 'another job of the worker at the same hours'));
        ELSE
            UPDATE assignments SET status = 'active' WHERE id = r.id;
            INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
            VALUES (NULL, 'assignment.restored', 'assignment', r.id::text,
                    jsonb_build_object('was', r.status, 'why', was || ' (migration 0013)'));
        END IF;
    END LOOP;
END
$$;

-- A cancelled order whose work stands is closed (hiring stopped, the work counts).
UPDATE orders o SET status = 'closed'
WHERE o.status = 'cancelled'
  AND EXISTS (SELECT 1 FROM assignments a WHERE a.order_id = o.id
                AND a.status IN ('active', 'completed', 'no_show'));

-- A recorded arrival means the worker came: never cancelled, never a no-show. NOT VALID
-- only for the rows skipped above (left for the office); every new or changed row is held.
ALTER TABLE assignments ADD CONSTRAINT assignments_arrival_stands
    CHECK (arrived_at IS NULL OR status IN ('active', 'completed')) NOT VALID;
