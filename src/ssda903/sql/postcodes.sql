-- Postcodes as numbers, to look them up in the ONS postcode table shipped in the package
-- (see ssda903/reference/postcodes.py). A postcode key (upper case, no spaces) becomes one
-- BIGINT: the outward code padded to four characters and the inward code, each character a
-- base-37 digit (0-9, A-Z; 0 = padding). Integers make the lookup about five times faster
-- than strings; the build of the table uses the same macros.

-- The base-37 digit of character i of s.
CREATE OR REPLACE MACRO postcode_digit(s, i) AS
    instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(s, i, 1))::BIGINT;

-- Seven base-37 digits as one number.
CREATE OR REPLACE MACRO postcode_pack(s) AS
    postcode_digit(s, 1) * 2565726409 + postcode_digit(s, 2) * 69343957 + postcode_digit(s, 3) * 1874161
    + postcode_digit(s, 4) * 50653 + postcode_digit(s, 5) * 1369 + postcode_digit(s, 6) * 37 + postcode_digit(s, 7);

-- A postcode key as its number; NULL for anything not shaped like a UK postcode.
CREATE OR REPLACE MACRO postcode_number(k) AS CASE
    WHEN regexp_full_match(k, '[A-Z][A-Z0-9]{1,3}[0-9][A-Z]{2}')
    THEN postcode_pack(rpad(left(k, length(k) - 3), 4, '_') || right(k, 3)) END;

-- Where a postcode lies, as PL_LA writes it: the English LA's code from the postcode table,
-- WAL, SCO, NIR (Northern Ireland: not in the shipped table) or NUK (Channel Islands, Isle of
-- Man); NULL when the postcode is blank or unknown.
CREATE OR REPLACE MACRO placement_la(key, la) AS CASE
    WHEN key IS NULL THEN NULL
    WHEN la LIKE 'W%' THEN 'WAL'
    WHEN la LIKE 'S%' THEN 'SCO'
    WHEN la IS NOT NULL THEN la
    WHEN regexp_full_match(key, 'BT[0-9]{1,2}[0-9][A-Z]{2}') THEN 'NIR'
    WHEN regexp_full_match(key, '(GY|JE|IM)[0-9]{1,2}[0-9][A-Z]{2}') THEN 'NUK'
END;
