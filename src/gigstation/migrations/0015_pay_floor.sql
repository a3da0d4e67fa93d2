-- The pay floor for every pay unit: a piece rate states the pieces an hour the work takes,
-- so piece pay x pieces an hour is the hourly figure the minimum wage is checked against.

ALTER TABLE orders
    ADD COLUMN pieces_per_hour integer CHECK (pieces_per_hour BETWEEN 1 AND 10000),
    ADD CONSTRAINT orders_pieces_only_with_piece_rates
        CHECK (pieces_per_hour IS NULL OR pay_unit = 'piece');

-- New piece-rate orders must state it. Orders posted before this migration keep NULL (a
-- CHECK would also refuse every later update of those rows, such as filling a place).
CREATE FUNCTION orders_piece_rate_states_pieces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.pay_unit = 'piece' AND NEW.pieces_per_hour IS NULL THEN
        RAISE EXCEPTION 'a piece-rate order must state its pieces per hour'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_piece_rate_states_pieces';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER orders_piece_rate_states_pieces BEFORE INSERT ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_piece_rate_states_pieces();
