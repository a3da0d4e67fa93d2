-- Priority needs papers with an expiry. Every group that counts has an evidence record
-- (document type, its number or a note, the verifying operator, an expiry), and records
-- are kept as history: a correction or a removal closes a record (replaced_at) instead of
-- deleting it, so what counted at any past moment can still be told.

ALTER TABLE priority_group_evidence
    ADD COLUMN id              uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN evidence_number text CHECK (char_length(evidence_number) BETWEEN 1 AND 50),
    ADD COLUMN evidence_note   text CHECK (char_length(evidence_note) BETWEEN 1 AND 200),
    ADD COLUMN replaced_at     timestamptz,
    ADD COLUMN replaced_by     uuid REFERENCES users (id);
ALTER TABLE priority_group_evidence DROP CONSTRAINT priority_group_evidence_pkey;
ALTER TABLE priority_group_evidence ADD PRIMARY KEY (id);
-- One current record per worker and group; closed ones stay beside it.
CREATE UNIQUE INDEX priority_group_evidence_current ON priority_group_evidence (worker_id, grp)
    WHERE replaced_at IS NULL;
CREATE INDEX priority_group_evidence_worker ON priority_group_evidence (worker_id, recorded_at);
-- Groups recorded before this migration without evidence have no verifying record either.
ALTER TABLE priority_group_evidence ALTER COLUMN recorded_by DROP NOT NULL;

-- Groups recorded as bare names (no papers) counted from their verification until now, and
-- no longer: they get a closed record that says so, so history keeps them and the operator
-- sees what to record again.
INSERT INTO priority_group_evidence
    (worker_id, grp, evidence_type, evidence_note, evidence_date, expires_on, expires_at,
     recorded_by, recorded_at)
SELECT w.user_id, g, '未登记证明', '升级前记录，没有登记证明材料 / recorded before evidence was required',
       least(coalesce(w.priority_verified_at, u.created_at)::date, current_date),
       current_date, now(), w.priority_verified_by, coalesce(w.priority_verified_at, u.created_at)
FROM workers w JOIN users u ON u.id = w.user_id CROSS JOIN unnest(w.priority_groups) AS g
WHERE NOT EXISTS (SELECT 1 FROM priority_group_evidence e WHERE e.worker_id = w.user_id AND e.grp = g);
-- Evidence recorded without an expiry stops counting now too (an expiry is required).
UPDATE priority_group_evidence
SET expires_on = greatest(evidence_date, current_date), expires_at = now(),
    evidence_note = coalesce(evidence_note, '升级前记录，没有有效期 / recorded before an expiry was required')
WHERE expires_at IS NULL;
-- Evidence dated in the future is no evidence: it stops counting now.
UPDATE priority_group_evidence
SET expires_at = now(),
    evidence_note = coalesce(evidence_note, '证明日期在未来，不予计算 / dated in the future: does not count')
WHERE evidence_date > current_date AND expires_at > now();
UPDATE priority_group_evidence
SET evidence_note = '升级前记录 / recorded before a number or note was required'
WHERE evidence_number IS NULL AND evidence_note IS NULL;
ALTER TABLE priority_group_evidence
    ALTER COLUMN expires_on SET NOT NULL,
    ALTER COLUMN expires_at SET NOT NULL,
    ADD CONSTRAINT priority_evidence_number_or_note
        CHECK (evidence_number IS NOT NULL OR evidence_note IS NOT NULL),
    ADD CONSTRAINT priority_evidence_replaced CHECK (replaced_at IS NULL OR replaced_at >= recorded_at);

-- What counted at a moment: the records in force then (recorded, not yet expired, not yet
-- replaced). ``groups`` (workers.priority_groups) is no longer consulted: the records decide.
CREATE OR REPLACE FUNCTION active_priority_groups(worker uuid, groups text[], at timestamptz)
RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT e.grp ORDER BY e.grp), '{}') FROM priority_group_evidence e
    WHERE e.worker_id = worker AND e.recorded_at <= at AND e.expires_at > at
      AND (e.replaced_at IS NULL OR e.replaced_at > at)
$$;
