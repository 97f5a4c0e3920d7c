-- DfE <UASC> = '1' within one year's return: the child was an unaccompanied asylum-seeking
-- child at some time in that year. XML returns say so with the UASC flag on the child's
-- header (Header.UASC); CSV returns have no flag and say so by listing the child in that
-- year's UASC table. A flag of 1 or 0 decides; with no flag (CSV, or a blank flag) a row in
-- the UASC table means UASC. This is the same reading as formerly_uasc(), for one year at a
-- time. Call it with the year's Header row h left-joined to its UASC row u:
--   is_uasc(h.UASC, u._id IS NOT NULL)
CREATE OR REPLACE MACRO is_uasc(flag, has_uasc_row) AS
CASE flag WHEN '1' THEN true WHEN '0' THEN false ELSE coalesce(has_uasc_row, false) END;
