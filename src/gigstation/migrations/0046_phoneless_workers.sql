-- No one left out for lack of a phone (issue 19): an operator registers a person at the desk
-- with an identity document only. Such an account has no phone (so nobody can sign in to it)
-- and a personal card number the desk types or scans to find them; the person may later add
-- a phone and take the account over with a reset code from the desk (password_resets, 0031).
ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;
-- Only a worker may be without a phone: every other role signs in with it.
ALTER TABLE users ADD CONSTRAINT users_phone_needed CHECK (phone IS NOT NULL OR role = 'worker');

-- The personal number printed on the card: 10 digits, the last a Luhn check digit (a typo
-- at the desk is caught before any look-up). Given once, never reused.
ALTER TABLE workers
    ADD COLUMN card_number   text UNIQUE CHECK (card_number ~ '^[1-9][0-9]{9}$'),
    ADD COLUMN registered_by uuid REFERENCES users (id);
