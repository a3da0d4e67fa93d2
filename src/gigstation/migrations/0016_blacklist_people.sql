-- The arrears blacklist lists a person, not an account: a company's legal representative
-- (法定代表人) is recorded like every ID number (sealed, keyed HMAC blind index, masked form),
-- and attempts by a listed company or person to open a new account are kept for the office.

ALTER TABLE employers
    ADD COLUMN rep_name    text CHECK (char_length(rep_name) BETWEEN 1 AND 50),
    ADD COLUMN rep_id_type text CHECK (rep_id_type IN ('resident_id', 'hk_mo_tw_residence_permit',
                                                        'hk_mo_travel_permit', 'tw_travel_permit',
                                                        'social_security_card')),
    ADD COLUMN rep_cipher  bytea,
    ADD COLUMN rep_index   bytea,
    ADD COLUMN rep_masked  text,
    ADD CONSTRAINT employers_rep_complete
        CHECK ((rep_index IS NULL) = (rep_cipher IS NULL) AND (rep_index IS NULL) = (rep_masked IS NULL)
               AND (rep_index IS NULL) = (rep_id_type IS NULL)),
    ADD CONSTRAINT employers_rep_only_companies CHECK (rep_index IS NULL OR kind = 'company');
-- Several companies may share one legal representative: an index, not a UNIQUE.
CREATE INDEX employers_rep_index ON employers (rep_index) WHERE rep_index IS NOT NULL;

-- Registrations refused because they match a listing in force. Append-only evidence.
CREATE TABLE blacklist_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    listing_id   bigint NOT NULL REFERENCES employer_blacklist (id),
    matched_on   text NOT NULL CHECK (matched_on IN ('credit_code', 'person')),
    kind         text NOT NULL CHECK (kind IN ('company', 'individual')),
    name         text NOT NULL CHECK (char_length(name) <= 100),
    phone        text NOT NULL CHECK (char_length(phone) <= 20),
    credit_code  text CHECK (char_length(credit_code) <= 18),
    id_masked    text CHECK (char_length(id_masked) <= 32)
);
CREATE INDEX blacklist_attempts_at ON blacklist_attempts (attempted_at DESC);

CREATE FUNCTION blacklist_attempts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'blacklist attempts are evidence: rows are never changed or deleted'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'blacklist_attempts_append_only';
END $$;
CREATE TRIGGER blacklist_attempts_append_only BEFORE UPDATE OR DELETE ON blacklist_attempts
    FOR EACH ROW EXECUTE FUNCTION blacklist_attempts_append_only();
