-- No one left out for lack of a phone (issue 19): a person registered at the desk has no
-- phone to file a wage complaint with, so the desk files it for them, as it confirms or
-- contests their hours. The complaint records who filed it: NULL, the worker themself; else
-- the operator at the desk (the audit row names the worker as on_behalf_of). Written once,
-- like the complaint's reason (migration 0050).
ALTER TABLE assignments ADD COLUMN disputed_by uuid REFERENCES users (id);

CREATE FUNCTION assignment_filer_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.disputed_at IS NOT NULL AND NEW.disputed_by IS DISTINCT FROM OLD.disputed_by THEN
        RAISE EXCEPTION 'who filed a complaint is written once, never changed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assignment_filer_written_once';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assignment_filer_written_once BEFORE UPDATE OF disputed_by ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignment_filer_written_once();
