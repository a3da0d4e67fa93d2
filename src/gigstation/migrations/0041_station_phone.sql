-- A station's own telephone (a landline such as 021-59701234, or a mobile): the number the
-- printed job slip and the desk card give a person without a smartphone to call. Optional:
-- without it the slip gives the phone of the operator who printed it.
ALTER TABLE stations ADD COLUMN phone text
    CONSTRAINT stations_phone_format CHECK (phone IS NULL OR phone ~ '^[0-9][0-9-]{4,19}$');
