-- Every customer's RFM tier (SPEC §3), recomputed from the activities: population = at least one
-- past activity in the last 12 (calendar, local) months; R = last past activity, F = past
-- activities in those 12 months, M = their amount; score = ceil(5 × cume_dist) in integers,
-- (5k + n − 1) div n with k counting peers; tier by R+F+M; outside: prospect (no past activity
-- ever) or lapsed.
WITH stats AS (
    SELECT a.customer_id,
           max(a.occurred_at) AS last_at,
           count(*) FILTER (WHERE a.occurred_at > ((%(now)s::timestamptz AT TIME ZONE %(tz)s) - interval '12 months') AT TIME ZONE %(tz)s) AS f,
           coalesce(sum(a.amount_milli) FILTER (WHERE a.occurred_at > ((%(now)s::timestamptz AT TIME ZONE %(tz)s) - interval '12 months') AT TIME ZONE %(tz)s), 0) AS m
    FROM cg_activities a
    WHERE a.shop_id = %(shop_id)s AND a.status = 'completed' AND a.occurred_at <= %(now)s::timestamptz
    GROUP BY a.customer_id
), scored AS (
    SELECT customer_id,
           (5 * count(*) OVER (ORDER BY last_at) + count(*) OVER () - 1) / count(*) OVER () AS r,
           (5 * count(*) OVER (ORDER BY f) + count(*) OVER () - 1) / count(*) OVER () AS f,
           (5 * count(*) OVER (ORDER BY m) + count(*) OVER () - 1) / count(*) OVER () AS m
    FROM stats
    WHERE f > 0
)
SELECT c.id,
       CASE WHEN s.customer_id IS NOT NULL THEN
                CASE WHEN s.r + s.f + s.m >= 12 THEN 'high_value'
                     WHEN s.r + s.f + s.m >= 8 THEN 'regular'
                     ELSE 'potential' END
            WHEN st.customer_id IS NOT NULL THEN 'lapsed'
            ELSE 'prospect' END AS tier
FROM cg_customers c
LEFT JOIN stats st ON st.customer_id = c.id
LEFT JOIN scored s ON s.customer_id = c.id
WHERE c.shop_id = %(shop_id)s
