-- Birthdays soon: the next birthday is today or within 30 days (shop's local date). A 29 February
-- birthday falls on 28 February in a common year. The 31 local days of the window give the
-- month-days that qualify; then one pass over the shop's customers.
WITH today AS (
    SELECT (%(now)s::timestamptz AT TIME ZONE %(tz)s)::date AS day
), window_days AS (
    SELECT (today.day + offset_days) AS day
    FROM today, generate_series(0, 30) AS offset_days
), month_days AS (
    SELECT to_char(day, 'MM-DD') AS month_day FROM window_days
    UNION
    SELECT '02-29' FROM window_days
    WHERE to_char(day, 'MM-DD') = '02-28'
      AND NOT (extract(year FROM day)::int %% 4 = 0
               AND (extract(year FROM day)::int %% 100 <> 0 OR extract(year FROM day)::int %% 400 = 0))
)
SELECT c.id
FROM cg_customers c
WHERE c.shop_id = %(shop_id)s
  AND c.birthday IS NOT NULL
  AND to_char(c.birthday, 'MM-DD') IN (SELECT month_day FROM month_days)
