-- DfE "where the previous collection year's final episode <DEC> is not provided, the first
-- episode of this year's collection": an episode open at the end of last year's return carries
-- over into this year's, so this year's first episode must continue it (rules 502, 503A-J).
-- One row per CHILD whose latest episode in last year's return (latest DECOM; of two on the
-- same day, the open one) has no end date written, pairing
--   * _id: the child's first episode this year (earliest DECOM; of two on the same day, the
--     first given), with
--   * previous_id: that open episode of last year (an _id of previous.Episodes).
-- Episodes whose start date could not be read are left out of the ordering, and an end date
-- that was written but could not be read is not taken as blank. A child with no episode this
-- year gives no row.
-- needs: Episodes, previous.Episodes
CREATE OR REPLACE MACRO episode_carried_over() AS TABLE
WITH first_this_year AS (
    SELECT _id, CHILD
    FROM main.Episodes
    WHERE CHILD IS NOT NULL AND DECOM IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY CHILD ORDER BY DECOM, _id) = 1
),
last_of_last_year AS (
    SELECT p._id, p.CHILD, blank_to_null(r.DEC) IS NULL AS left_open
    FROM previous.Episodes p
    JOIN raw_previous.Episodes r ON r._id = p._id
    WHERE p.CHILD IS NOT NULL AND p.DECOM IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY p.CHILD ORDER BY p.DECOM DESC, blank_to_null(r.DEC) IS NULL DESC, p._id DESC
    ) = 1
)
SELECT f._id, f.CHILD, l._id AS previous_id
FROM first_this_year f
JOIN last_of_last_year l ON l.CHILD = f.CHILD
WHERE l.left_open;
