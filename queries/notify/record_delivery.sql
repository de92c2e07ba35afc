-- record_delivery: appends one delivery attempt and its outcome to notifications; returns nothing.
-- Writes: notifications. Parameters: $rule, $kind, $period, $channel, $recipient, $status,
-- $subject, $detail (NULL when sent), $attempted_at.
INSERT INTO notifications (rule, kind, period, channel, recipient, status, subject, detail, attempted_at)
VALUES ($rule, $kind, $period, $channel, $recipient, $status, $subject, $detail, $attempted_at)
