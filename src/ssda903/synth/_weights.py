"""How common each code is: the generator's assumptions, in one place.

Relative weights, loosely following the DfE's published national figures for
children looked after in England (ages, legal statuses, placement types,
reasons ceased, care leaver activity). Only codes are named here; which codes
exist in a year always comes from the model (see ``_codes.Picker``).
"""

from __future__ import annotations

SEX = {"M": 0.56, "F": 0.44}
SEX_UASC = {"M": 0.93, "F": 0.07}

ETHNIC = {
    "WBRI": 0.66,
    "WIRI": 0.005,
    "WOTH": 0.04,
    "WIRT": 0.004,
    "WROM": 0.01,
    "MWBC": 0.035,
    "MWBA": 0.012,
    "MWAS": 0.012,
    "MOTH": 0.035,
    "AIND": 0.006,
    "APKN": 0.01,
    "ABAN": 0.006,
    "AOTH": 0.015,
    "BCRB": 0.02,
    "BAFR": 0.035,
    "BOTH": 0.02,
    "CHNE": 0.002,
    "OOTH": 0.025,
    "REFU": 0.002,
    "NOBT": 0.006,
}
ETHNIC_UASC = {
    "AOTH": 0.25,
    "BAFR": 0.3,
    "OOTH": 0.25,
    "BOTH": 0.07,
    "WOTH": 0.05,
    "APKN": 0.03,
    "ABAN": 0.02,
    "MOTH": 0.03,
}

CIN = {"N1": 0.64, "N2": 0.03, "N3": 0.03, "N4": 0.07, "N5": 0.13, "N6": 0.015, "N7": 0.002, "N8": 0.06}
CIN_UASC = {"N8": 0.88, "N4": 0.07, "N1": 0.05}
CIN_RESPITE = {"N2": 0.9, "N3": 0.06, "N4": 0.04}

# Legal status at the start of a period of care, by age at the start.
LS_ENTRY_UNDER_10 = {"C1": 0.42, "V2": 0.3, "L1": 0.05, "L2": 0.08, "C2": 0.14, "L3": 0.01}
LS_ENTRY_10_PLUS = {"C1": 0.32, "V2": 0.44, "L1": 0.07, "L2": 0.03, "C2": 0.08, "J2": 0.03, "J3": 0.02, "L3": 0.01}
LS_ENTRY_ADOPTION = {"C1": 0.6, "V2": 0.2, "L2": 0.12, "L1": 0.08}
LS_ENTRY_UASC = {"V2": 0.92, "L1": 0.08}
LS_LEAVER = {"C2": 0.55, "V2": 0.45}

# Placement types by age at the start of the placement (P1 is added separately:
# only under a care order, rule 378).
PLACE_UNDER_1 = {"U6": 0.5, "U3": 0.14, "U4": 0.04, "U5": 0.06, "U2": 0.02, "R3": 0.14, "U1": 0.02}
PLACE_1_TO_4 = {"U6": 0.5, "U4": 0.18, "U3": 0.17, "U1": 0.06, "U5": 0.03, "U2": 0.01}
PLACE_5_TO_9 = {"U6": 0.3, "U4": 0.4, "U3": 0.12, "U1": 0.1, "K2": 0.05, "S1": 0.02, "R1": 0.005}
PLACE_10_TO_15 = {
    "U6": 0.24,
    "U4": 0.33,
    "U3": 0.07,
    "U1": 0.08,
    "K2": 0.2,
    "S1": 0.03,
    "K1": 0.01,
    "R1": 0.005,
    "R2": 0.005,
    "Z11": 0.0025,
    "Z12": 0.0025,
    "Z13": 0.0025,
    "Z14": 0.0025,
}
PLACE_16_17 = {
    "U6": 0.18,
    "U4": 0.17,
    "U3": 0.04,
    "U1": 0.06,
    "K2": 0.16,
    "K3": 0.33,
    "P3": 0.01,
    "S1": 0.01,
    "R2": 0.005,
    "K1": 0.005,
    "Z11": 0.0025,
    "Z12": 0.0025,
    "Z13": 0.0025,
    "Z14": 0.0025,
}
PLACE_UASC_UNDER_16 = {"U6": 0.55, "U4": 0.25, "K2": 0.15, "U3": 0.05}
PLACE_UASC_16_17 = {"K3": 0.6, "U6": 0.2, "U4": 0.1, "K2": 0.1}
PLACE_REMAND = {"R5": 0.3, "K1": 0.15, "U6": 0.35, "K2": 0.2}
PLACE_RESPITE = {"U6": 0.6, "K2": 0.3, "U3": 0.1}
#: Chance that a placement under a care order is with the child's parents (P1), by age band.
P1_SHARE = (0.08, 0.12, 0.1, 0.07, 0.05)

# Temporary placements: code, weight, shortest and longest stay in days
# (T1 at most six weeks, T3 three weeks, T4 seven days: rules 375, 376, 379).
TEMPORARY = (("T1", 0.35, 1, 21), ("T3", 0.25, 3, 14), ("T4", 0.25, 1, 6), ("T2", 0.1, 3, 10), ("T0", 0.05, 1, 6))

# Who provides each placement type (rules 527-531 and 550 forbid some pairs).
PROVIDER = {
    "U1": {"PR1": 0.95, "PR2": 0.05},
    "U2": {"PR1": 0.95, "PR2": 0.05},
    "U3": {"PR1": 0.95, "PR2": 0.05},
    "U4": {"PR1": 0.55, "PR4": 0.38, "PR5": 0.05, "PR2": 0.02},
    "U5": {"PR1": 0.6, "PR4": 0.3, "PR5": 0.1},
    "U6": {"PR1": 0.55, "PR4": 0.38, "PR5": 0.05, "PR2": 0.02},
    "A3": {"PR1": 0.55, "PR2": 0.25, "PR5": 0.2},
    "A4": {"PR1": 0.55, "PR2": 0.25, "PR5": 0.2},
    "A5": {"PR1": 0.55, "PR2": 0.25, "PR5": 0.2},
    "A6": {"PR1": 0.55, "PR2": 0.25, "PR5": 0.2},
    "K1": {"PR1": 0.3, "PR2": 0.4, "PR4": 0.3},
    "K2": {"PR4": 0.75, "PR1": 0.15, "PR5": 0.08, "PR2": 0.02},
    "K3": {"PR4": 0.6, "PR5": 0.25, "PR1": 0.15},
    "P1": {"PR0": 1.0},
    "P3": {"PR4": 1.0},
    "R1": {"PR4": 0.5, "PR5": 0.3, "PR3": 0.2},
    "R2": {"PR3": 1.0},
    "R3": {"PR4": 0.5, "PR1": 0.3, "PR5": 0.2},
    "R5": {"PR3": 1.0},
    "S1": {"PR4": 0.5, "PR5": 0.2, "PR1": 0.2, "PR2": 0.1},
}

# Reasons a period of care ends.
REC_UNDER_14 = {
    "E4A": 0.4,
    "E4B": 0.04,
    "E13": 0.06,
    "E41": 0.1,
    "E45": 0.06,
    "E46": 0.05,
    "E47": 0.08,
    "E48": 0.04,
    "E8": 0.08,
    "E3": 0.04,
    "E16": 0.01,
    "E2": 0.002,
}
REC_14_15 = {
    "E4A": 0.4,
    "E4B": 0.06,
    "E13": 0.1,
    "E41": 0.05,
    "E45": 0.04,
    "E46": 0.03,
    "E47": 0.04,
    "E48": 0.02,
    "E8": 0.15,
    "E3": 0.04,
    "E16": 0.01,
    "E5": 0.03,
}
REC_16_17 = {
    "E4A": 0.25,
    "E4B": 0.05,
    "E13": 0.1,
    "E41": 0.02,
    "E8": 0.16,
    "E3": 0.04,
    "E5": 0.2,
    "E6": 0.08,
    "E7": 0.05,
    "E45": 0.02,
    "E46": 0.01,
    "E47": 0.02,
}
REC_AT_18 = {"E5": 0.32, "E17": 0.25, "E6": 0.05, "E7": 0.04, "E8": 0.16, "E4A": 0.08, "E13": 0.08, "E3": 0.02}
REC_UASC_AT_18 = {"E5": 0.45, "E8": 0.2, "E17": 0.15, "E6": 0.1, "E13": 0.1}
REC_UASC_EARLY = {"E15": 0.4, "E8": 0.3, "E13": 0.3}
REC_ADOPTED = {"E11": 0.82, "E12": 0.18}
REC_REMAND = {"E14": 0.75, "E9": 0.25}
REC_LEAVER_AT_18 = {"E5": 0.35, "E17": 0.2, "E6": 0.08, "E7": 0.04, "E8": 0.15, "E4A": 0.08, "E13": 0.1}
REC_LEAVER_BEFORE_18 = {"E4A": 0.35, "E13": 0.2, "E5": 0.2, "E6": 0.05, "E8": 0.15, "E41": 0.05}
REC_RESPITE = {"E4A": 1.0}

REASON_PLACE_CHANGE = {
    "CARPL": 0.45,
    "CREQB": 0.1,
    "CREQO": 0.08,
    "CHILD": 0.06,
    "LAREQ": 0.07,
    "ALLEG": 0.02,
    "STAND": 0.02,
    "CLOSE": 0.04,
    "APPRR": 0.01,
    "OTHER": 0.05,
}

REVIEW_CODE = {"PN1": 0.5, "PN2": 0.12, "PN3": 0.03, "PN4": 0.05, "PN5": 0.08, "PN6": 0.15, "PN7": 0.07}
MISSING = {"M": 0.55, "A": 0.45}

SDQ_REASON = {"SDQ2": 0.3, "SDQ3": 0.15, "SDQ4": 0.35, "SDQ5": 0.2}

IN_TOUCH = {"YES": 0.86, "NO": 0.05, "REFU": 0.03, "NREQ": 0.03, "RHOM": 0.025, "DIED": 0.002}
ACTIV = {
    "F1": 0.07,
    "P1": 0.01,
    "F2": 0.3,
    "P2": 0.04,
    "F4": 0.04,
    "P4": 0.01,
    "F5": 0.12,
    "P5": 0.06,
    "G4": 0.08,
    "G5": 0.22,
    "G6": 0.05,
}
ACCOM = {
    "B1": 0.12,
    "B2": 0.01,
    "C1": 0.03,
    "C2": 0.005,
    "D1": 0.22,
    "D2": 0.01,
    "E1": 0.07,
    "E2": 0.005,
    "G1": 0.003,
    "K1": 0.03,
    "K2": 0.005,
    "R1": 0.005,
    "R2": 0.01,
    "S2": 0.01,
    "T1": 0.03,
    "T2": 0.003,
    "U1": 0.24,
    "U2": 0.015,
    "V2": 0.01,
    "W2": 0.004,
    "X2": 0.02,
    "Y1": 0.03,
    "Y2": 0.005,
    "Z1": 0.1,
    "Z2": 0.003,
}

# P4 ("unknown whether there was a previous order") is left to error injection: the DfE expects LA_PERM and
# DATE_PERM with every code but Z1 (rule 630), which cannot be known when the order itself is unknown.
PREV_PERM = {"Z1": 0.86, "P2": 0.07, "P3": 0.045, "P1": 0.025}
REASON_PLACED_CEASED = {"RD1": 0.4, "RD3": 0.35, "RD4": 0.25}
SEX_ADOPTR_COUPLE = {"MF": 0.82, "MM": 0.09, "FF": 0.09}
SEX_ADOPTR_SINGLE = {"F1": 0.9, "M1": 0.1}
LS_ADOPTR_MF = {"L11": 0.72, "L3": 0.28}
LS_ADOPTR_SAME = {"L12": 0.5, "L2": 0.25, "L4": 0.25}

SW_REASON = {
    "LEFTRL": 0.36,
    "MANAGE": 0.15,
    "TSPROC": 0.2,
    "ORGRST": 0.07,
    "ABSENC": 0.06,
    "CHCHAN": 0.03,
    "PCCHAN": 0.03,
    "OTHERS": 0.1,
}
