-- The collection year and the responsible LA, set once per Dataset as variables (never
-- current_date: a rule gives the same answer whatever day it runs).

-- 1 April of the collection year.
CREATE OR REPLACE MACRO collection_start() AS CAST(getvariable('collection_start') AS DATE);

-- 31 March that ends the collection year.
CREATE OR REPLACE MACRO collection_end() AS CAST(getvariable('collection_end') AS DATE);

-- The responsible LA's ONS code as given or guessed ('' when unknown). A rule that calls it
-- (or is_own_la) needs the LA: without one it is reported as not run.
CREATE OR REPLACE MACRO la_code() AS coalesce(CAST(getvariable('la_code') AS VARCHAR), '');

-- True when code is the responsible LA under any code it has had; NULL when code is NULL or
-- no LA is known.
CREATE OR REPLACE MACRO is_own_la(code) AS
    CASE WHEN code IS NULL OR len(coalesce(getvariable('own_la_codes'), [])) = 0 THEN NULL
         ELSE list_contains(getvariable('own_la_codes'), code) END;

-- Age in whole years on day d, for someone born on dob.
CREATE OR REPLACE MACRO age_on(dob, d) AS date_sub('year', dob, d);

-- The day someone born on dob turns n years old, the first day age_on(dob, d) is n (someone born
-- on 29 February turns n on 28 February in a year that has no 29 February).
CREATE OR REPLACE MACRO birthday(dob, n) AS CAST(dob + to_years(CAST(n AS INTEGER)) AS DATE);
