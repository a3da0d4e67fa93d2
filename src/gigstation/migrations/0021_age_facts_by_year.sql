-- Issue 17: the age thresholds keep no more than the year and whether the rule holds
-- (people/identity.py, AgeFacts). Until now they were the first of the month after the
-- birthday, which gave every worker's birth month. Reached thresholds move to 1 January of
-- their year (adult: no threshold); future ones to 1 January after their year, never earlier
-- than the birthday, so a minor is never treated as an adult early. The server applies the
-- exact birthday once a day (people/age_rules.py).
UPDATE workers SET adult_from = CASE
        WHEN adult_from <= (now() AT TIME ZONE 'Asia/Shanghai')::date THEN NULL
        ELSE make_date(extract(year FROM adult_from - 1)::int + 1, 1, 1) END
WHERE adult_from IS NOT NULL;

UPDATE workers SET priority_age_from = CASE
        WHEN priority_age_from <= (now() AT TIME ZONE 'Asia/Shanghai')::date
            THEN make_date(extract(year FROM priority_age_from)::int, 1, 1)
        ELSE make_date(extract(year FROM priority_age_from - 1)::int + 1, 1, 1) END
WHERE priority_age_from IS NOT NULL;
