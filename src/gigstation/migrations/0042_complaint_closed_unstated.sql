-- A wage complaint closed through the older resolve (POST /assignments/{id}/resolve, the
-- complaints list's 处理完毕) has no stated outcome. It still gets its closing row in the
-- case's history (who, when, the note), with the outcome 'unstated' (结果未注明), so the
-- history a worker and an inspector read never lacks the closing.
ALTER TABLE complaint_events DROP CONSTRAINT complaint_events_outcome_check;
ALTER TABLE complaint_events ADD CONSTRAINT complaint_events_outcome_check
    CHECK (outcome IN ('paid', 'partly_paid', 'not_owed', 'withdrawn', 'referred', 'unstated'));
-- Cases closed that way before this version get their closing row now.
INSERT INTO complaint_events (assignment_id, kind, actor_id, note, outcome, at)
SELECT a.id, 'closed', a.resolved_by, coalesce(a.resolution_note, ''), 'unstated', a.dispute_resolved_at
FROM assignments a
WHERE a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NOT NULL AND a.resolved_by IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM complaint_events e WHERE e.assignment_id = a.id AND e.kind = 'closed');
