-- Job agreements as stored records (docs/architecture.md, "Records nobody can bend").
--
-- At acceptance the agreement's full text and its terms (the parties' names as then
-- registered, pay, hours, place, the rules and the minimum wage in force) are stored with the
-- SHA-256 of the text. A correction is a new version with a reason; no version is ever
-- changed or deleted, so what both sides saw stays readable and checkable.
CREATE TABLE agreements (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id),
    version       integer NOT NULL CHECK (version >= 1),
    body          text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
    terms         jsonb NOT NULL,
    sha256        bytea NOT NULL,
    reason        text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    -- Stored at the first read after the upgrade for work accepted before this migration,
    -- from the records as they were then (the text says so).
    reconstructed boolean NOT NULL DEFAULT false,
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (assignment_id, version),
    CONSTRAINT agreements_hash CHECK (sha256 = sha256(convert_to(body, 'UTF8'))),
    CONSTRAINT agreements_correction_reason CHECK (version = 1 OR char_length(reason) >= 1)
);

-- Versions follow each other: 1, 2, 3 ... per assignment.
CREATE FUNCTION agreements_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM assignments WHERE id = NEW.assignment_id FOR UPDATE;
    IF NEW.version <> coalesce((SELECT max(version) FROM agreements WHERE assignment_id = NEW.assignment_id), 0) + 1 THEN
        RAISE EXCEPTION 'agreement version % does not follow the last one', NEW.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'agreements_next_version';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER agreements_next_version BEFORE INSERT ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_next_version();

CREATE FUNCTION agreements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'agreements are never changed or deleted; record a corrected version'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'agreements_append_only';
END
$$;
CREATE TRIGGER agreements_append_only BEFORE UPDATE OR DELETE ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_append_only();
