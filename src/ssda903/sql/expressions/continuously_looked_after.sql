-- DfE <LOOKED_AFTER_CONTINUOUSLY>: the child has been looked after continuously for at least
-- 12 months at 31 March, i.e. throughout the collection year. This is the OC2 cohort (data
-- model 1.5). One row per CHILD in the current year's Episodes who:
--   * has an episode open at some time in the year (DECOM on or before 31 March and DEC
--     blank or on or after 1 April), and
--   * did not start a period of care in the year: no episode with RNE = S whose DECOM is
--     after 1 April (starting on 1 April itself still gives a full year), and
--   * did not leave care in the year: no episode ending on or after 1 April and before
--     31 March with a reason other than X1 (a blank reason on an ended episode counts as
--     leaving; an end on 31 March itself does not break the year), and
--   * had no short-break (respite) care in the year: no episode under legal status V3 or
--     V4 open at some time in the year.
-- An episode whose dates could not be read (NULL) neither proves nor breaks continuity.
-- needs: Episodes
CREATE OR REPLACE MACRO continuously_looked_after() AS TABLE
WITH year_episodes AS (
    SELECT
        CHILD,
        coalesce(DECOM <= collection_end() AND (DEC IS NULL OR DEC >= collection_start()), false) AS open_in_year,
        coalesce(RNE = 'S' AND DECOM > collection_start() AND DECOM <= collection_end(), false) AS started_in_year,
        coalesce(REC IS DISTINCT FROM 'X1' AND DEC >= collection_start() AND DEC < collection_end(), false)
            AS left_in_year,
        LS IN ('V3', 'V4') AS short_break
    FROM Episodes
    WHERE CHILD IS NOT NULL
)
SELECT CHILD
FROM year_episodes
GROUP BY CHILD
HAVING bool_or(open_in_year)
   AND NOT bool_or(started_in_year OR left_in_year OR coalesce(short_break AND open_in_year, false));
