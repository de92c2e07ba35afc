-- delivered: one row per (rule, period, recipient) already sent, so `calmline notify` sends it
-- no more. Reads: notifications. Parameters: none.
SELECT DISTINCT rule, period, recipient
FROM notifications
WHERE status = 'sent'
