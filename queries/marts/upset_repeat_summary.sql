-- upset_repeat_summary: one row per (call_month, team, site, channel, issue_type, anger_level) of
-- the upset calls in upset_customer_calls: the overview's repeat-contact counts, summed over a few
-- thousand cells instead of counted over every upset call (counts add, so any filter of these
-- dimensions gives the same totals as counting the calls).
-- repeat_closed_30d: upset calls whose 30 days had passed by the as-of date; repeat_30d: of
-- those, calls followed by another upset call from the same customer within 30 days.
-- Reads: upset_customer_calls. Parameters: none.
SELECT call_month, team, site, channel, issue_type, anger_level,
    count(*) FILTER (repeat_known) AS repeat_closed_30d,
    count(*) FILTER (repeat_known AND repeat_30d) AS repeat_30d
FROM upset_customer_calls
GROUP BY ALL
ORDER BY ALL
