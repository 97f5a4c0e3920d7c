-- Reading the text a user typed: the typed tables are built with these, and rules that must
-- see the text itself (is it a real date? was it left blank?) call them on raw.<Table>.

-- The text without the spaces, tabs, line ends and non-breaking spaces around it.
CREATE OR REPLACE MACRO tidy(x) AS CASE
    WHEN contains(x, chr(9)) OR contains(x, chr(10)) OR contains(x, chr(13)) OR contains(x, chr(160))
    THEN trim(x, ' ' || chr(9) || chr(13) || chr(10) || chr(160)) ELSE trim(x) END;

-- Whether the text holds anything but spaces, tabs, line ends and non-breaking spaces: whether
-- blank_to_null(x) is not NULL (NULL for NULL). One function to plan, where a check only asks
-- whether a value was given.
CREATE OR REPLACE MACRO has_text(x) AS regexp_matches(x, '[^ \t\r\n\x{00A0}]');

-- Each typing macro below is "read the tidied text" applied to tidy(x). The typed tables call
-- the two halves apart: tidy once per column in an inner query, then read what it gave. The
-- result is the same; DuckDB plans the tidying once per column instead of once per use, which
-- is most of the time a small return takes to type.

-- The tidied text as an id or text: NULL when blank.
CREATE OR REPLACE MACRO text_of_tidy(t) AS nullif(t, '');

-- NULL for a blank (or all-space) value, else the tidied text.
CREATE OR REPLACE MACRO blank_to_null(x) AS text_of_tidy(tidy(x));

-- The tidied text as a code: upper-cased; NULL when blank.
CREATE OR REPLACE MACRO code_of_tidy(t) AS nullif(upper(t), '');

-- A code as the DfE lists it: tidied and upper-cased; NULL when blank.
CREATE OR REPLACE MACRO as_code(x) AS code_of_tidy(tidy(x));

-- A date as a timestamp: DD/MM/YYYY as the DfE writes it first (the fast path: parsing with a
-- list of formats costs ten times more, so only values that start like a date try the others:
-- ISO and Excel's date-time forms, with spaces around them); NULL when it is not a real date.
CREATE OR REPLACE MACRO as_timestamp(x) AS coalesce(
    try_strptime(x, '%d/%m/%Y'),
    CASE WHEN regexp_matches(x, '^\s*[0-9]{1,4}[/-][0-9]')
         THEN try_strptime(tidy(x), ['%d/%m/%Y', '%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S',
                                     '%d/%m/%Y %H:%M:%S']) END);

-- A timestamp read from a date as a date: NULL before 1900 (Excel's zero date).
CREATE OR REPLACE MACRO date_of_timestamp(ts) AS CAST(CASE WHEN ts >= TIMESTAMP '1900-01-01' THEN ts END AS DATE);

-- A date; NULL when the text is not a real date or lies before 1900 (Excel's zero date).
CREATE OR REPLACE MACRO as_date(x) AS date_of_timestamp(as_timestamp(x));

-- The tidied text as a whole number (an optional sign and digits only); NULL otherwise.
CREATE OR REPLACE MACRO int_of_tidy(t) AS CASE WHEN regexp_full_match(t, '[+-]?[0-9]+') THEN TRY_CAST(t AS INTEGER) END;

-- A whole number (an optional sign and digits only); NULL otherwise.
CREATE OR REPLACE MACRO as_int(x) AS int_of_tidy(tidy(x));

-- The tidied text as a decimal number; NULL when it is not one.
CREATE OR REPLACE MACRO decimal_of_tidy(t) AS TRY_CAST(t AS DOUBLE);

-- A decimal number; NULL when the text is not one.
CREATE OR REPLACE MACRO as_decimal(x) AS decimal_of_tidy(tidy(x));

-- What a value check found in one cell, in words an analyst can act on: `code` is the load
-- code, `value` the text as typed, `expected` what it should be (LOAD07-09, LOAD18) or what it
-- was read as (LOAD15, LOAD21).
CREATE OR REPLACE MACRO cell_message(code, field, value, expected) AS CASE code
    WHEN 'LOAD07' THEN '''' || value || ''' in ' || field || ' is not a date; write it DD/MM/YYYY, e.g. 05/11/2024.'
    WHEN 'LOAD08' THEN '''' || value || ''' in ' || field || ' is not a whole number.'
    WHEN 'LOAD09' THEN '''' || value || ''' in ' || field || ' is not ' || expected || '.'
    WHEN 'LOAD15' THEN '''' || value || ''' in ' || field || ' was read as ' || expected
                       || '; the DfE expects dates written DD/MM/YYYY.'
    WHEN 'LOAD18' THEN field || ' is blank; the DfE requires a value here.'
    WHEN 'LOAD21' THEN '''' || value || ''' in ' || field || ' was read as ''' || expected || '''; write '''
                       || expected || ''' exactly (no spaces around it, capitals as listed).'
    WHEN 'LOAD23' THEN 'The row is blank in every column; it was not validated.'
    WHEN 'LOAD22' THEN '''' || value || ''' in ' || field
                       || ' was converted from Windows-1252; check that it reads as meant.'
    ELSE '''' || coalesce(value, '') || ''' in ' || field || ': ' || coalesce(expected, '')
END;

-- A value in single quotes, as messages show what the user typed ('c1').
CREATE OR REPLACE MACRO quote_text(x) AS '''' || x || '''';
