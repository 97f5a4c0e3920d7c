-- A postcode as the DfE compares it: upper case with every space removed, so that
-- 'se1 7aa', 'SE1 7AA' and 'SE17AA' are the same postcode. NULL stays NULL. Used to look
-- postcodes up in the ONS postcode table (PL_DISTANCE, PL_LA) and to compare a placement
-- postcode with the Ofsted provider list (221).
CREATE OR REPLACE MACRO postcode_key(x) AS CASE
    -- nearly every postcode is capitals and digits with spaces: removing the spaces is enough
    -- (a third of the cost of the general way, which rules comparing postcodes pay on every episode)
    WHEN regexp_full_match(x, '[A-Z0-9 ]*[A-Z0-9][A-Z0-9 ]*') THEN replace(x, ' ', '')
    -- translate deletes the five white-space characters of a regular expression's \s (a
    -- non-breaking space stays) at a fraction of its cost
    ELSE nullif(upper(translate(x, ' ' || chr(9) || chr(10) || chr(12) || chr(13), '')), '') END;
