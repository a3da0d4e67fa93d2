-- Password reset at the station's desk: the operator checks the person's ID card in person
-- and issues a one-time code; the person uses it once, soon, to choose a new password.
-- Evidence of who let whom back into an account: rows are never deleted or rewritten except
-- to mark them used or voided (a trigger holds the rest of each row fixed).
CREATE TABLE password_resets (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id),
    -- HMAC-SHA256 of the code under the server's secret: a database dump alone does not
    -- give the codes, and a code is useless after a few wrong tries or its deadline.
    code_hmac   bytea NOT NULL,
    issued_by   uuid NOT NULL REFERENCES users (id),
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    failures    integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    used_at     timestamptz,
    voided_at   timestamptz,
    CHECK (expires_at > issued_at),
    CHECK (used_at IS NULL OR voided_at IS NULL)
);
-- At most one live code per account: issuing a new one voids the old in the same transaction.
CREATE UNIQUE INDEX password_resets_one_live ON password_resets (user_id)
    WHERE used_at IS NULL AND voided_at IS NULL;
CREATE INDEX password_resets_issuer ON password_resets (issued_by, issued_at);

CREATE FUNCTION password_resets_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'password_resets rows are evidence and are never deleted'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'password_resets_append_only';
    END IF;
    IF NEW.id <> OLD.id OR NEW.user_id <> OLD.user_id OR NEW.code_hmac <> OLD.code_hmac
       OR NEW.issued_by <> OLD.issued_by OR NEW.issued_at <> OLD.issued_at
       OR NEW.expires_at <> OLD.expires_at
       OR (OLD.used_at IS NOT NULL AND NEW.used_at IS DISTINCT FROM OLD.used_at)
       OR (OLD.voided_at IS NOT NULL AND NEW.voided_at IS DISTINCT FROM OLD.voided_at) THEN
        RAISE EXCEPTION 'a password reset keeps who issued it, for whom, when and until when'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'password_resets_append_only';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER password_resets_fixed BEFORE UPDATE OR DELETE ON password_resets
    FOR EACH ROW EXECUTE FUNCTION password_resets_fixed();
