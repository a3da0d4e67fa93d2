-- Issue 16, item 3: a wage complaint is a case both sides follow. Every message on it (the
-- worker's details, the employer's reply or "paid", the operator's note, the closing with
-- its outcome) is a row here, after the opening (assignments.disputed_at) and beside the
-- one-off steps of migration 0007 (complaint_steps: the first answer, the escalation).
-- Nothing on a case is edited or deleted: a correction is a new message.
CREATE TABLE complaint_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id),
    kind          text NOT NULL CHECK (kind IN ('worker_note', 'employer_reply', 'employer_paid',
                                                'operator_note', 'closed')),
    actor_id      uuid NOT NULL REFERENCES users (id),
    note          text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
    outcome       text CHECK (outcome IN ('paid', 'partly_paid', 'not_owed', 'withdrawn', 'referred')),
    at            timestamptz NOT NULL DEFAULT now(),
    -- Only the closing carries an outcome, and it always does.
    CONSTRAINT complaint_events_outcome CHECK ((kind = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX complaint_events_assignment ON complaint_events (assignment_id, at, id);
-- One closing per case (a case is closed once; its history stays readable).
CREATE UNIQUE INDEX complaint_events_closed_once ON complaint_events (assignment_id) WHERE kind = 'closed';

CREATE FUNCTION complaint_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a complaint''s history is never changed or deleted; add a new message'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'complaint_history_append_only';
END
$$;
CREATE TRIGGER complaint_events_append_only BEFORE UPDATE OR DELETE ON complaint_events
    FOR EACH ROW EXECUTE FUNCTION complaint_history_append_only();
CREATE TRIGGER complaint_steps_append_only BEFORE UPDATE OR DELETE ON complaint_steps
    FOR EACH ROW EXECUTE FUNCTION complaint_history_append_only();
