-- History stays history: a station's day report is frozen once the day is over, and the
-- priority fact of each filled place (did it go to a priority worker?) is frozen before
-- anything can rewrite what it was computed from (the retention purge erases a worker's
-- groups and age facts; a correction closes evidence records). Both are append-only.

CREATE TABLE station_day_reports (
    station_id uuid NOT NULL REFERENCES stations (id),
    day        date NOT NULL,
    zone       text NOT NULL,
    figures    jsonb NOT NULL,
    frozen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, day)
);

CREATE TABLE assignment_priority_facts (
    assignment_id uuid PRIMARY KEY REFERENCES assignments (id),
    priority      boolean NOT NULL,
    groups        text[] NOT NULL,
    frozen_at     timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION frozen_rows_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% holds frozen history: rows are never changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'check_violation', CONSTRAINT = 'frozen_rows_stay';
END $$;
CREATE TRIGGER station_day_reports_frozen BEFORE UPDATE OR DELETE ON station_day_reports
    FOR EACH ROW EXECUTE FUNCTION frozen_rows_stay();
CREATE TRIGGER assignment_priority_facts_frozen BEFORE UPDATE OR DELETE ON assignment_priority_facts
    FOR EACH ROW EXECUTE FUNCTION frozen_rows_stay();
