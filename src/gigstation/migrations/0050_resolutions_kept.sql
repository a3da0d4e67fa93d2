-- A no-show contest and a wage complaint on the same job are two matters, each with its own
-- resolution (who decided, with what words). Until now both wrote resolved_by and
-- resolution_note, so closing the one erased the other's record (an overturned no-show's
-- note replaced by the wage case's closing). The contest's resolution gets its own columns,
-- and every resolution is written once: a later action adds its own record, never over one.
ALTER TABLE assignments
    ADD COLUMN contest_resolved_by     uuid REFERENCES users (id),
    ADD COLUMN contest_resolution_note text CHECK (char_length(contest_resolution_note) <= 500);

-- Rows before this migration: the shared columns hold the last resolution written, which is
-- the contest's when the contest was resolved last (or both at once).
UPDATE assignments SET contest_resolved_by = resolved_by, contest_resolution_note = resolution_note
WHERE contest_resolved_at IS NOT NULL
  AND (dispute_resolved_at IS NULL OR dispute_resolved_at <= contest_resolved_at);
UPDATE assignments SET resolved_by = NULL, resolution_note = NULL
WHERE contest_resolved_at IS NOT NULL AND dispute_resolved_at IS NULL;

CREATE FUNCTION assignment_resolutions_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.dispute_reason IS NOT NULL AND NEW.dispute_reason IS DISTINCT FROM OLD.dispute_reason)
       OR (OLD.contest_reason IS NOT NULL AND NEW.contest_reason IS DISTINCT FROM OLD.contest_reason)
       OR (OLD.dispute_resolved_at IS NOT NULL AND NEW.dispute_resolved_at IS DISTINCT FROM OLD.dispute_resolved_at)
       OR (OLD.contest_resolved_at IS NOT NULL AND NEW.contest_resolved_at IS DISTINCT FROM OLD.contest_resolved_at)
       OR (OLD.resolved_by IS NOT NULL AND NEW.resolved_by IS DISTINCT FROM OLD.resolved_by)
       OR (OLD.resolution_note IS NOT NULL AND NEW.resolution_note IS DISTINCT FROM OLD.resolution_note)
       OR (OLD.contest_resolved_by IS NOT NULL AND NEW.contest_resolved_by IS DISTINCT FROM OLD.contest_resolved_by)
       OR (OLD.contest_resolution_note IS NOT NULL
           AND NEW.contest_resolution_note IS DISTINCT FROM OLD.contest_resolution_note)
       OR (OLD.no_show_overturned AND NOT NEW.no_show_overturned) THEN
        RAISE EXCEPTION 'a complaint''s reason and resolution are written once, never changed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assignment_resolutions_written_once';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assignment_resolutions_written_once
    BEFORE UPDATE OF dispute_reason, contest_reason, dispute_resolved_at, contest_resolved_at, resolved_by,
                     resolution_note, contest_resolved_by, contest_resolution_note, no_show_overturned
    ON assignments FOR EACH ROW EXECUTE FUNCTION assignment_resolutions_written_once();
