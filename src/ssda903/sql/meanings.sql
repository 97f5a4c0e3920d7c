-- Code meanings that changed between collection years, decided once by the model for each
-- year (ssda903.yaml, `meanings:`), so that no rule changes when a code list does. Each reads
-- the `meaning` table of the current year; prev_<name> reads last year's, for values of
-- previous.<Table>.
CREATE SCHEMA IF NOT EXISTS previous;
CREATE TABLE IF NOT EXISTS main.meaning (name VARCHAR, code VARCHAR);
CREATE TABLE IF NOT EXISTS previous.meaning (name VARCHAR, code VARCHAR);

-- The child is recorded as male (SEX 1 until 2023/24, M from 2024/25).
CREATE OR REPLACE MACRO is_male(x) AS x IN (SELECT code FROM main.meaning WHERE name = 'is_male');
-- The same for a value of last year's return (previous.Header).
CREATE OR REPLACE MACRO prev_is_male(x) AS x IN (SELECT code FROM previous.meaning WHERE name = 'is_male');

-- The child is recorded as female (SEX 2 until 2023/24, F from 2024/25).
CREATE OR REPLACE MACRO is_female(x) AS x IN (SELECT code FROM main.meaning WHERE name = 'is_female');
-- The same for a value of last year's return (previous.Header).
CREATE OR REPLACE MACRO prev_is_female(x) AS x IN (SELECT code FROM previous.meaning WHERE name = 'is_female');

-- An "other placement" (PLACE Z1 until 2024/25; Z11 to Z14 from 2025/26).
CREATE OR REPLACE MACRO is_other_placement(x) AS
    x IN (SELECT code FROM main.meaning WHERE name = 'is_other_placement');
-- The same for a value of last year's return (previous.Episodes).
CREATE OR REPLACE MACRO prev_is_other_placement(x) AS
    x IN (SELECT code FROM previous.meaning WHERE name = 'is_other_placement');
