"""The clock's work for a simulated day: statements that the database clock would otherwise
drive (expiry, closing ended orders, no-shows), run with the simulated time as a parameter."""

from __future__ import annotations

__all__ = ["CLOSE_ENDED", "DISTRICT_MEDIANS", "EXPIRE_DUE", "NO_SHOW_AT", "RESTAMP", "STATIONS_DUE"]

EXPIRE_DUE = """
UPDATE offers SET status = 'expired', close_reason = 'deadline'
WHERE status = 'offered' AND expires_at <= $1
RETURNING id, worker_id, order_id, station_id
"""
CLOSE_ENDED = """
UPDATE orders SET status = 'closed' WHERE status = 'open' AND ends_at <= $1
RETURNING id, station_id
"""
NO_SHOW_AT = """
UPDATE assignments a SET status = 'no_show', no_show_at = $2
FROM orders o
WHERE a.id = $1 AND o.id = a.order_id AND a.status = 'active' AND o.starts_at <= $2
  AND a.arrived_at IS NULL
RETURNING a.id
"""
STATIONS_DUE = """
SELECT s.id FROM stations s
WHERE s.id = ANY($1::uuid[])
  AND EXISTS (SELECT 1 FROM checkins c WHERE c.station_id = s.id AND c.status = 'waiting'
                AND c.available_until > $2
                AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.worker_id = c.worker_id
                                  AND f.status = 'offered'))
  AND EXISTS (SELECT 1 FROM orders o WHERE o.station_id = s.id AND o.status = 'open'
                AND o.ends_at > $2)
ORDER BY s.id
"""
# Rows stamped by the database clock in the last simulated minute get that minute.
RESTAMP = [
    """UPDATE checkins SET
         checked_in_at = CASE WHEN checked_in_at < $2 THEN $1 ELSE checked_in_at END,
         left_at = CASE WHEN left_at < $2 THEN $1 ELSE left_at END
       WHERE checked_in_at < $2 OR left_at < $2""",
    """UPDATE orders SET
         created_at = CASE WHEN created_at < $2 THEN $1 ELSE created_at END,
         cancelled_at = CASE WHEN cancelled_at < $2 THEN $1 ELSE cancelled_at END
       WHERE created_at < $2 OR cancelled_at < $2""",
    """UPDATE offers SET
         created_at = CASE WHEN created_at < $2 THEN $1 ELSE created_at END,
         answered_at = CASE WHEN answered_at < $2 THEN $1 ELSE answered_at END
       WHERE created_at < $2 OR answered_at < $2""",
    "UPDATE dispatch_runs SET started_at = $1 WHERE started_at < $2",
    """UPDATE assignments SET
         created_at = CASE WHEN created_at < $2 THEN $1 ELSE created_at END,
         completed_at = CASE WHEN completed_at < $2 THEN $1 ELSE completed_at END,
         paid_at = CASE WHEN paid_at < $2 THEN $1 ELSE paid_at END,
         pay_confirmed_at = CASE WHEN pay_confirmed_at < $2 THEN $1 ELSE pay_confirmed_at END,
         disputed_at = CASE WHEN disputed_at < $2 THEN $1 ELSE disputed_at END,
         no_show_contested_at = CASE WHEN no_show_contested_at < $2 THEN $1
                                     ELSE no_show_contested_at END
       WHERE created_at < $2 OR completed_at < $2 OR paid_at < $2 OR pay_confirmed_at < $2
          OR disputed_at < $2 OR no_show_contested_at < $2""",
    "UPDATE ratings SET created_at = $1 WHERE created_at < $2",
]
DISTRICT_MEDIANS = """
WITH c AS (
    SELECT c.worker_id, c.station_id, c.checked_in_at FROM checkins c
    WHERE c.checked_in_at >= $1 AND c.checked_in_at < $2
), first_offers AS (
    SELECT extract(epoch FROM (SELECT min(f.created_at) FROM offers f
                               WHERE f.worker_id = c.worker_id AND f.station_id = c.station_id
                                 AND f.created_at >= c.checked_in_at) - c.checked_in_at) / 60.0 AS m
    FROM c
), day_orders AS (
    SELECT id, headcount, created_at FROM orders WHERE created_at >= $1 AND created_at < $2
), ranked AS (
    SELECT a.order_id, a.created_at,
           row_number() OVER (PARTITION BY a.order_id ORDER BY a.created_at, a.id) AS n
    FROM assignments a JOIN day_orders o ON o.id = a.order_id
)
SELECT
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m) FROM first_offers WHERE m IS NOT NULL)
      AS median_minutes_checkin_to_offer,
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.created_at - o.created_at) / 60.0)
     FROM day_orders o JOIN ranked r ON r.order_id = o.id AND r.n = o.headcount)
      AS median_minutes_order_to_full,
  (SELECT count(DISTINCT worker_id) FROM c)::int AS workers_checked_in
"""
