-- Issue 17. A page logout ends that one session on the server: tokens carry an id (jti),
-- and a revoked id is refused until the token would have expired anyway (then swept).
CREATE TABLE revoked_tokens (
    jti        uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
CREATE INDEX revoked_tokens_user ON revoked_tokens (user_id, expires_at);

-- Rate-limit buckets and login back-off keys are keyed hashes from now on (no phone number
-- or address in clear). The old rows named phones in clear; they only ever live for a day
-- (login_known: 30 days, and its unkeyed hashes no longer match), so they are dropped.
DELETE FROM rate_limit_windows;
DELETE FROM login_backoff;
DELETE FROM login_known;
