-- notification_results: one row per rule that `calmline notify` ever delivered, for its last
-- period (the period of its newest attempt): when it was last attempted, each recipient's latest
-- outcome counted (deliveries, failed), the subject sent, the recipients and why deliveries failed.
-- Grain: one row per rule. Reads: notifications. Parameters: none.
WITH attempts AS (
    SELECT * FROM notifications
),
last_period AS (
    SELECT rule, arg_max(period, attempted_at) AS period FROM attempts GROUP BY rule
),
latest AS (
    SELECT a.* FROM attempts AS a JOIN last_period USING (rule, period)
    QUALIFY row_number() OVER (PARTITION BY a.rule, a.recipient ORDER BY a.attempted_at DESC) = 1
)
SELECT rule,
    any_value(kind) AS kind,
    max(attempted_at) AS attempted_at,
    any_value(period) AS period,
    count(*) AS deliveries,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    string_agg(DISTINCT subject, ' | ' ORDER BY subject) AS subject,
    string_agg(DISTINCT recipient, ', ' ORDER BY recipient) AS recipients,
    string_agg(DISTINCT detail, ' | ' ORDER BY detail) AS detail
FROM latest
GROUP BY rule
ORDER BY rule
