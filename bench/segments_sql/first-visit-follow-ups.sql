-- First-visit follow-ups: exactly one past activity ever, and it is within the last 30 days;
-- none upcoming.
SELECT a.customer_id
FROM cg_activities a
WHERE a.shop_id = %(shop_id)s
  AND ((a.status = 'completed' AND a.occurred_at <= %(now)s::timestamptz)
       OR (a.status = 'booked' AND a.occurred_at > %(now)s::timestamptz))
GROUP BY a.customer_id
HAVING count(*) FILTER (WHERE a.status = 'completed') = 1
   AND count(*) FILTER (WHERE a.status = 'completed'
                          AND a.occurred_at > ((%(now)s::timestamptz AT TIME ZONE %(tz)s) - interval '30 days') AT TIME ZONE %(tz)s) = 1
   AND count(*) FILTER (WHERE a.status = 'booked') = 0
