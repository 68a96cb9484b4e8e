-- SQLite twin of ../postgres/20261201200000_subscriptions.sql (timestamps are RFC 3339 TEXT).
-- One row per (tenant, resource): the Graph subscription its SubscriptionKeeper workflow keeps,
-- and the clientState Graph echoes in that subscription's notifications (the receiver accepts
-- the clientStates stored here). `generation` counts the keeper's creates: a retried create of
-- the same generation finds the subscription its first attempt made instead of making another.
CREATE TABLE subscriptions (
    tenant_id          TEXT        NOT NULL,
    resource           TEXT        NOT NULL CHECK (resource IN ('recordings', 'transcripts')),
    generation         INTEGER     NOT NULL CHECK (generation >= 0),
    subscription_id    TEXT,
    client_state       TEXT        NOT NULL,
    expires_at         TEXT,
    renewals           INTEGER     NOT NULL DEFAULT 0 CHECK (renewals >= 0),
    last_error_code    TEXT,
    last_error_message TEXT,
    created_at         TEXT        NOT NULL,
    updated_at         TEXT        NOT NULL,
    PRIMARY KEY (tenant_id, resource)
);
