-- A person registered at the desk has no phone to confirm that the pay arrived, so without the
-- desk their pay stayed unconfirmed for ever: the employer's job on the overdue pay list, and
-- the person never anonymised (open pay keeps them). The desk confirms it for them, as it
-- confirms their hours; the confirmation records who gave it: NULL, the worker themself; else
-- the operator at the desk (the audit row names the worker as on_behalf_of). Written once.
ALTER TABLE assignments ADD COLUMN pay_confirmed_by uuid REFERENCES users (id);

CREATE FUNCTION assignment_pay_confirmer_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.pay_confirmed_at IS NOT NULL AND NEW.pay_confirmed_by IS DISTINCT FROM OLD.pay_confirmed_by THEN
        RAISE EXCEPTION 'who confirmed the pay is written once, never changed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assignment_pay_confirmer_written_once';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assignment_pay_confirmer_written_once BEFORE UPDATE OF pay_confirmed_by ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignment_pay_confirmer_written_once();
