-- DfE "<UASC> = '1' or <COLLECTION_YEAR> -1 <UASC> = '1' or <COLLECTION_YEAR> -2 <UASC> = '1'":
-- the child is, or was recently, an unaccompanied asylum-seeking child. Distance and postcode
-- rules (164, 406 and related) exempt these children. One row per CHILD who is UASC in this
-- year's return or in last year's:
--   * the Header's UASC flag is 1 (XML returns carry it), or
--   * the child has a row in the UASC table (CSV returns say UASC by listing the child there),
--     unless that year's Header flag says 0.
-- Only this year and last year are loaded, so a child UASC two years ago and not since is not
-- found here. Rules that call this read Header and UASC of both years but do not need them:
-- a missing table only means fewer children are known to be UASC.
CREATE OR REPLACE MACRO formerly_uasc() AS TABLE
SELECT CHILD FROM main.Header WHERE UASC = '1'
UNION
SELECT u.CHILD FROM main.UASC u
WHERE u.CHILD IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM main.Header h WHERE h.CHILD = u.CHILD AND h.UASC = '0')
UNION
SELECT CHILD FROM previous.Header WHERE UASC = '1'
UNION
SELECT u.CHILD FROM previous.UASC u
WHERE u.CHILD IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM previous.Header h WHERE h.CHILD = u.CHILD AND h.UASC = '0');
