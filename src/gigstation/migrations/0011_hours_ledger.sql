-- Hours of record as a ledger (docs/architecture.md, "Records nobody can bend").
--
-- Every step that decides the hours a worker is paid for is one row here, never changed and
-- never deleted: the employer's scan of arrival and of departure (with the proof: the
-- worker's phone code or a desk slip), the worker's confirmation or contest (or the desk's,
-- for a person without a phone), and an operator's resolution of a contest. The assignment
-- row shows where the ledger stands (hours_state, arrived_at, departed_at, ...); a trigger
-- keeps those columns and another refuses any other way of changing them.
CREATE TABLE hours_events (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id),
    kind          text NOT NULL CHECK (kind IN ('arrival', 'departure', 'confirm', 'contest', 'resolve')),
    at            timestamptz NOT NULL,
    arrived_at    timestamptz,
    departed_at   timestamptz,
    confirm_by    timestamptz,
    proof         text NOT NULL
        CHECK (proof IN ('phone_code', 'desk_slip', 'worker', 'desk', 'operator', 'legacy')),
    note          text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
    recorded_by   uuid REFERENCES users (id),
    on_behalf_of  uuid REFERENCES users (id),
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hours_events_arrival CHECK (kind <> 'arrival' OR (arrived_at = at AND departed_at IS NULL)),
    CONSTRAINT hours_events_departure CHECK (kind <> 'departure' OR (departed_at = at AND confirm_by > at)),
    CONSTRAINT hours_events_interval
        CHECK (kind NOT IN ('confirm', 'resolve') OR (arrived_at IS NOT NULL AND departed_at > arrived_at)),
    CONSTRAINT hours_events_contest_reason CHECK (kind <> 'contest' OR char_length(note) >= 1)
);
CREATE INDEX hours_events_assignment ON hours_events (assignment_id, seq);

-- Where the ledger stands, on the assignment (arrived_at and departed_at exist since 0007).
--   planned    nothing recorded: the agreement's planned times are the hours of record
--   arrived    arrival scanned
--   recorded   departure scanned: the worker confirms or contests until hours_confirm_by;
--              after it, the recorded times stand (confirmed by lapse)
--   confirmed  the worker (or the desk for them) confirmed
--   contested  the worker contested: a complaint on the station's list
--   resolved   an operator decided the times (arrived_at, departed_at)
ALTER TABLE assignments
    ADD COLUMN hours_state text NOT NULL DEFAULT 'planned'
        CHECK (hours_state IN ('planned', 'arrived', 'recorded', 'confirmed', 'contested', 'resolved')),
    ADD COLUMN hours_confirm_by timestamptz,
    ADD COLUMN hours_confirmed_at timestamptz;

-- Times scanned before this migration become the ledger's first rows; the worker gets a
-- full confirmation window (72 hours, the default) from now to confirm or contest them.
INSERT INTO hours_events (assignment_id, kind, at, arrived_at, proof)
SELECT id, 'arrival', arrived_at, arrived_at, 'legacy' FROM assignments WHERE arrived_at IS NOT NULL
ORDER BY arrived_at, id;
INSERT INTO hours_events (assignment_id, kind, at, departed_at, confirm_by, proof)
SELECT id, 'departure', departed_at, departed_at, greatest(departed_at, now()) + interval '72 hours', 'legacy'
FROM assignments WHERE departed_at IS NOT NULL
ORDER BY departed_at, id;
UPDATE assignments SET
    hours_state = CASE WHEN departed_at IS NOT NULL THEN 'recorded' ELSE 'arrived' END,
    hours_confirm_by = CASE WHEN departed_at IS NOT NULL
                            THEN greatest(departed_at, now()) + interval '72 hours' END
WHERE arrived_at IS NOT NULL;

-- The assignment's hours columns as the ledger makes them (events in order).
CREATE FUNCTION hours_fold(aid uuid, OUT state text, OUT arrived timestamptz, OUT departed timestamptz,
                           OUT confirm_by timestamptz, OUT confirmed_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e record;
BEGIN
    state := 'planned';
    FOR e IN SELECT * FROM hours_events WHERE assignment_id = aid ORDER BY seq LOOP
        IF e.kind = 'arrival' THEN
            state := 'arrived'; arrived := e.arrived_at;
        ELSIF e.kind = 'departure' THEN
            state := 'recorded'; departed := e.departed_at; confirm_by := e.confirm_by;
        ELSIF e.kind = 'confirm' THEN
            state := 'confirmed'; confirmed_at := e.at;
        ELSIF e.kind = 'contest' THEN
            state := 'contested';
        ELSIF e.kind = 'resolve' THEN
            state := 'resolved'; arrived := e.arrived_at; departed := e.departed_at; confirmed_at := e.at;
        END IF;
    END LOOP;
END
$$;

-- Each event only where the ledger allows it (the services check first and say why; this
-- holds even for a statement typed by hand).
CREATE FUNCTION hours_events_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a record;
    ok boolean;
BEGIN
    SELECT status, hours_state, arrived_at, hours_confirm_by INTO a
    FROM assignments WHERE id = NEW.assignment_id FOR UPDATE;
    ok := CASE NEW.kind
        WHEN 'arrival' THEN a.status = 'active' AND a.hours_state = 'planned'
        WHEN 'departure' THEN a.status IN ('active', 'completed') AND a.hours_state = 'arrived'
                              AND NEW.departed_at > a.arrived_at
        WHEN 'confirm' THEN a.hours_state = 'recorded'
        WHEN 'contest' THEN a.hours_state = 'recorded' AND NEW.at < a.hours_confirm_by
        WHEN 'resolve' THEN a.hours_state = 'contested'
        ELSE false END;
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'hours event % is not allowed while the hours are %', NEW.kind, a.hours_state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'hours_events_state';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER hours_events_check BEFORE INSERT ON hours_events
    FOR EACH ROW EXECUTE FUNCTION hours_events_check();

CREATE FUNCTION hours_events_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assignments a
    SET (hours_state, arrived_at, departed_at, hours_confirm_by, hours_confirmed_at) =
        (SELECT f.state, f.arrived, f.departed, f.confirm_by, f.confirmed_at FROM hours_fold(NEW.assignment_id) f)
    WHERE a.id = NEW.assignment_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER hours_events_apply AFTER INSERT ON hours_events
    FOR EACH ROW EXECUTE FUNCTION hours_events_apply();

-- Evidence: never changed, never deleted.
CREATE FUNCTION hours_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hours of record are never changed or deleted; record a new event'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'hours_events_append_only';
END
$$;
CREATE TRIGGER hours_events_append_only BEFORE UPDATE OR DELETE ON hours_events
    FOR EACH ROW EXECUTE FUNCTION hours_events_append_only();

-- The assignment's hours columns follow the ledger and nothing else.
CREATE FUNCTION assignments_hours_follow_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    f record;
BEGIN
    SELECT * INTO f FROM hours_fold(NEW.id);
    IF (NEW.hours_state, NEW.arrived_at, NEW.departed_at, NEW.hours_confirm_by, NEW.hours_confirmed_at)
       IS DISTINCT FROM (f.state, f.arrived, f.departed, f.confirm_by, f.confirmed_at) THEN
        RAISE EXCEPTION 'arrival, departure and the hours state change only through hours_events'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'assignments_hours_follow_ledger';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER assignments_hours_follow_ledger
    BEFORE UPDATE OF hours_state, arrived_at, departed_at, hours_confirm_by, hours_confirmed_at ON assignments
    FOR EACH ROW
    WHEN ((NEW.hours_state, NEW.arrived_at, NEW.departed_at, NEW.hours_confirm_by, NEW.hours_confirmed_at)
          IS DISTINCT FROM (OLD.hours_state, OLD.arrived_at, OLD.departed_at, OLD.hours_confirm_by,
                            OLD.hours_confirmed_at))
    EXECUTE FUNCTION assignments_hours_follow_ledger();
-- A new assignment starts with nothing recorded.
ALTER TABLE assignments ADD CONSTRAINT assignments_hours_start_planned
    CHECK (hours_state <> 'planned' OR (arrived_at IS NULL AND departed_at IS NULL));

-- Single-use codes printed on a desk slip for a worker without a smartphone (the operator
-- issues them; work.timesheet). Only a hash is kept; a new slip voids the old one.
CREATE TABLE hours_slip_codes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id),
    event         text NOT NULL CHECK (event IN ('arrival', 'departure')),
    code_sha256   bytea NOT NULL CHECK (length(code_sha256) = 32),
    issued_by     uuid NOT NULL REFERENCES users (id),
    issued_at     timestamptz NOT NULL DEFAULT now(),
    used_at       timestamptz,
    voided_at     timestamptz,
    CHECK (used_at IS NULL OR voided_at IS NULL)
);
CREATE UNIQUE INDEX hours_slip_codes_live ON hours_slip_codes (assignment_id, event)
    WHERE used_at IS NULL AND voided_at IS NULL;
