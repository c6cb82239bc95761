-- Lapsing regulars: 3 or more past activities in the last 12 months, none in the last 2 months,
-- none upcoming. Past = completed and occurred_at <= now; upcoming = booked and occurred_at > now.
-- Only the rows that can matter are read: past ones of the last 12 months, and upcoming ones.
SELECT a.customer_id
FROM cg_activities a
WHERE a.shop_id = %(shop_id)s
  AND ((a.status = 'completed'
        AND a.occurred_at > ((%(now)s::timestamptz AT TIME ZONE %(tz)s) - interval '12 months') AT TIME ZONE %(tz)s
        AND a.occurred_at <= %(now)s::timestamptz)
       OR (a.status = 'booked' AND a.occurred_at > %(now)s::timestamptz))
GROUP BY a.customer_id
HAVING count(*) FILTER (WHERE a.status = 'completed') >= 3
   AND count(*) FILTER (WHERE a.status = 'completed'
                          AND a.occurred_at > ((%(now)s::timestamptz AT TIME ZONE %(tz)s) - interval '2 months') AT TIME ZONE %(tz)s) = 0
   AND count(*) FILTER (WHERE a.status = 'booked') = 0
