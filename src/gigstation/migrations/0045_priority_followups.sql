-- Outcome tracking for priority groups (issue 19): each follow-up of a person in a priority
-- group (a call, a visit, a referral to training) with its result. Records of the office's
-- work are evidence: rows are only ever added. The one exception is the retention purge,
-- which removes them with an anonymised person (their result text may name the person).
CREATE TABLE priority_followups (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    worker_id   uuid NOT NULL REFERENCES workers (user_id),
    -- The group the follow-up is about; NULL: the person as a whole.
    grp         text,
    -- The station the operator acted for (NULL: the office).
    station_id  uuid REFERENCES stations (id),
    kind        text NOT NULL CHECK (kind IN ('call', 'visit', 'training_referral', 'job_referral', 'other')),
    result      text NOT NULL CHECK (char_length(result) BETWEEN 1 AND 500),
    recorded_by uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX priority_followups_worker ON priority_followups (worker_id, recorded_at);

CREATE FUNCTION priority_followups_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM users u WHERE u.id = OLD.worker_id AND u.anonymised_at IS NOT NULL) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'priority follow-ups are records: they are added, never changed or deleted'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'priority_followups_append_only';
END $$;
CREATE TRIGGER priority_followups_append_only BEFORE UPDATE OR DELETE ON priority_followups
    FOR EACH ROW EXECUTE FUNCTION priority_followups_append_only();

-- The clock of each case starts at the group's evidence date: per worker and group, the
-- earliest one on record.
CREATE INDEX priority_group_evidence_grp ON priority_group_evidence (grp, worker_id);
