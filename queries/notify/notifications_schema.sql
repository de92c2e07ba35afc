-- notifications_schema: creates the notifications table when missing; returns nothing.
-- notifications: one row per delivery attempt of `calmline notify` (a subscription's report or an
-- alert, to one recipient, for one period), with its outcome. A (rule, period, recipient) with a
-- 'sent' row is never sent again; a 'failed' one is retried by the next run.
-- Written by calmline.notify.ledger only (one transaction per delivery). Parameters: none.
CREATE TABLE IF NOT EXISTS notifications (
    rule            VARCHAR NOT NULL,   -- the rule's name in the rules file
    kind            VARCHAR NOT NULL,   -- subscription | alert
    period          VARCHAR NOT NULL,   -- what was delivered: the cadence period or the data the alert fired on
    channel         VARCHAR NOT NULL,   -- email | webhook
    recipient       VARCHAR NOT NULL,   -- an e-mail address, or a webhook's host and a hash of its URL
    status          VARCHAR NOT NULL,   -- sent | failed
    subject         VARCHAR NOT NULL,   -- the message's subject line
    detail          VARCHAR,            -- why a delivery failed; NULL when sent
    attempted_at    TIMESTAMP NOT NULL  -- when the delivery was attempted (UTC)
);
