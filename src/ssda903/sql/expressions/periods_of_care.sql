-- DfE <PERIOD_OF_CARE>: a spell in care from the day the child started to be looked after to
-- the day they ceased, made of one or more episodes in a chain. One row per period of each
-- CHILD in the current year's Episodes, taking the child's episodes in order of DECOM: an
-- episode begins a new period when it is the child's first, or when the episode before it
-- has ended (DEC given) with a reason other than X1 (a blank reason counts as leaving care),
-- or began after that episode's end (a gap). An episode after an open one (an overlap, rule
-- 501's error) stays in the same period. Episodes whose DECOM could not be read are left out.
--   period_no      1 for the child's first period in the return, then 2, 3 ...
--   period_start   DECOM of its first episode
--   period_end     DEC of its last episode; NULL while the period is still open
--   last_rec       REC of its last episode (X1 when the chain stops without leaving care)
--   first_id, last_id   _id of its first and last episodes
-- needs: Episodes
CREATE OR REPLACE MACRO periods_of_care() AS TABLE
WITH ordered AS (
    SELECT _id, CHILD, DECOM, DEC, REC,
           lag(DEC) OVER w AS prev_dec,
           lag(REC) OVER w AS prev_rec,
           lag(_id) OVER w AS prev_id
    FROM Episodes
    WHERE CHILD IS NOT NULL AND DECOM IS NOT NULL
    WINDOW w AS (PARTITION BY CHILD ORDER BY DECOM, _id)
),
numbered AS (
    SELECT *,
           sum(CASE WHEN prev_id IS NULL
                      OR (prev_dec IS NOT NULL AND (prev_rec IS DISTINCT FROM 'X1' OR DECOM > prev_dec))
                    THEN 1 ELSE 0 END)
               OVER (PARTITION BY CHILD ORDER BY DECOM, _id ROWS UNBOUNDED PRECEDING) AS period_no
    FROM ordered
)
SELECT CHILD, period_no,
       min(DECOM) AS period_start,
       arg_max_null(DEC, struct_pack(d := DECOM, i := _id)) AS period_end,
       arg_max_null(REC, struct_pack(d := DECOM, i := _id)) AS last_rec,
       arg_min(_id, struct_pack(d := DECOM, i := _id)) AS first_id,
       arg_max(_id, struct_pack(d := DECOM, i := _id)) AS last_id
FROM numbered
GROUP BY CHILD, period_no;
