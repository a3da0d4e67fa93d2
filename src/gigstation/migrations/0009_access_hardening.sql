-- Access hardening (issue 8, part A): key check values, token revocation, shared rate
-- limits, idempotency expiry.

-- One row per identity-key version: an HMAC that recognises the key without revealing it.
-- A server whose key does not match refuses to start instead of sealing new numbers
-- under a key the old ones were not sealed with. The highest version is the current one.
CREATE TABLE pii_key_check (
    version     smallint PRIMARY KEY CHECK (version BETWEEN 1 AND 255),
    check_value bytea NOT NULL CHECK (octet_length(check_value) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every token carries the version it was issued under; bumping it (logout everywhere,
-- password change, disabling) revokes all of the account's tokens at once.
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;

-- Fixed-window counters shared by every server process. UNLOGGED: no WAL per login
-- attempt; after a database crash the counters start again from zero.
CREATE UNLOGGED TABLE rate_limit_windows (
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_windows_start ON rate_limit_windows (window_start);

-- Per-account back-off after failed logins (key: phone and address).
CREATE UNLOGGED TABLE login_backoff (
    key           text PRIMARY KEY,
    failures      integer NOT NULL,
    blocked_until timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_backoff_updated ON login_backoff (updated_at);

-- Phones that signed in from an address (key: SHA-256 of phone and address) in the last 30
-- days are exempt from that address's failure limit: a stranger exhausting a station's
-- shared Wi-Fi budget does not lock out its regulars.
CREATE UNLOGGED TABLE login_known (
    key     bytea PRIMARY KEY,
    last_ok timestamptz NOT NULL
);
CREATE INDEX login_known_last_ok ON login_known (last_ok);

-- Idempotency rows expire; the sweep deletes by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
