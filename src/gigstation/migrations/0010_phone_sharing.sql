-- An employer may let the workers of a day's job call them: off unless the employer turns
-- it on, and shown only to a worker whose job with that employer is still active.
ALTER TABLE employers ADD COLUMN share_phone_with_crew boolean NOT NULL DEFAULT false;
