-- DfE "the child's previous episode" and "the child's next episode": a child's episodes this
-- year in order of start date (DECOM); of two that start on the same day, the one given first.
-- One row per episode of the current year's Episodes:
--   * _id: the episode,
--   * previous_id: the child's episode just before it (NULL for the child's first),
--   * next_id: the child's episode just after it (NULL for the child's last).
-- An episode whose start date could not be read (NULL) comes after the child's dated ones, so
-- the episode before a dated one is always dated: a rule that leaves undated episodes out of the
-- order finds the same previous episode for each dated one (WHERE e.DECOM IS NOT NULL), and the
-- child's first dated episode is the dated one with no previous_id. Episodes with a blank CHILD are
-- ordered together, as if they were one child's (each is also a LOAD18).
-- Worked out once per run for every rule that calls it (one sort of Episodes, not one a rule).
-- needs: Episodes
CREATE OR REPLACE MACRO episode_neighbours() AS TABLE
SELECT _id,
       lag(_id) OVER w AS previous_id,
       lead(_id) OVER w AS next_id
FROM Episodes
WINDOW w AS (PARTITION BY CHILD ORDER BY DECOM NULLS LAST, _id);
