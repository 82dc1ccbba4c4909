"""The colours of foncier, in one place: the map, the legend, the PDF and HTML reports, the XLSX
workbooks and the QGIS styles all read them from here (hex strings; no Qt).

Examples
--------
>>> STATUS_HEX["match"], STATUS_HEX_BY_CODE[0]
('#2e9e44', '#2e9e44')
>>> rgb("#2e9e44")
(46, 158, 68)
"""

from __future__ import annotations

__all__ = ["STATUS_HEX", "STATUS_HEX_BY_CODE", "STATUS_TINT", "NOT_MATCHED_HEX", "OUTCOME_HEX",
           "CONSTRAINT_HEX", "INFRA_HEX", "SELECTION_HEX", "ASSEMBLY_HEX", "SITE_HEX",
           "COMMUNE_LINE_HEX", "COMMUNE_FILL_HEX", "BACKGROUND_HEX", "INK_HEX", "NAVY_HEX",
           "MUTED_HEX", "ZEBRA_HEX", "PAPER_HEX", "FAINT_HEX", "RULE_HEX", "OUTLINE_HEX",
           "HEADER_TINT_HEX", "OUTSIDE_HEX", "STATUS_OUTLINE_HEX", "rgb"]

#: Fill of a plot by status (map, legend, reports, QGIS styles).
STATUS_HEX = {"match": "#2e9e44", "to_check": "#f0a020", "no_match": "#a3a3a3"}
#: A plot that has not been matched yet (the app before the first run).
NOT_MATCHED_HEX = "#c9c4b8"
#: The same by status code (0 match, 1 to_check, 2 no_match, 3 not matched).
STATUS_HEX_BY_CODE = {0: STATUS_HEX["match"], 1: STATUS_HEX["to_check"],
                      2: STATUS_HEX["no_match"], 3: NOT_MATCHED_HEX}
#: Light tints of the status colours, for table rows and spreadsheet cells (text stays legible).
STATUS_TINT = {"match": "#c6efce", "to_check": "#ffe699", "no_match": "#d9d9d9"}
#: Text colour of a criterion's outcome.
OUTCOME_HEX = {"pass": "#1b5e20", "fail": "#b71c1c", "unknown": "#8a5a00"}

CONSTRAINT_HEX = {
    "flood": "#1e6fd9", "pprt": "#8e24aa", "seveso": "#d32f2f", "natura2000": "#2e7d32",
    "znieff1": "#7cb342", "znieff2": "#c0ca33", "wetland": "#00897b", "monument": "#6d4c41",
    "littoral": "#00acc1", "archaeology": "#ef6c00", "housing": "#ec407a", "other": "#607d8b",
}
INFRA_HEX = {
    "motorway_interchange": "#1f5aa6", "rail_freight": "#37474f", "port": "#00695c",
    "airport": "#6a1b9a", "substation": "#f9a825",
}
SELECTION_HEX = "#1565c0"
ASSEMBLY_HEX = "#6a1b9a"
SITE_HEX = "#6d4c2f"
COMMUNE_LINE_HEX = "#b5ad9c"
COMMUNE_FILL_HEX = "#f6f2e8"
#: Outside the communes: a neutral light grey (not a sea blue: where the sea is is not known).
BACKGROUND_HEX = "#ebebe8"
#: Report maps beyond the inventory's communes: the same neutral grey, never read as sea.
OUTSIDE_HEX = BACKGROUND_HEX
INK_HEX = "#222222"
NAVY_HEX = "#1a237e"
MUTED_HEX = "#555555"
ZEBRA_HEX = "#f1f3f8"
#: White: the page, label boxes, text on dark fills.
PAPER_HEX = "#ffffff"
#: Faint grey: footers, thin plot outlines on a map.
FAINT_HEX = "#777777"
#: Light grey rules between table rows.
RULE_HEX = "#dddddd"
#: Dark grey outline of plots in the QGIS styles.
OUTLINE_HEX = "#323232"
#: Outline of a plot by status in the QGIS styles: a dark shade of its fill, so that a plot drawn
#: smaller than its outline (region scale) still shows its status; incompatible ones recede.
STATUS_OUTLINE_HEX = {"match": "#1b5e20", "to_check": "#9a6200", "no_match": "#6e6e6e"}
#: Light blue fill of a spreadsheet's header row.
HEADER_TINT_HEX = "#ddebf7"

__all__ += ["OUTCOME_MARK_HEX", "ERROR_HEX", "FAINT_HEX", "RULE_HEX", "ASSEMBLY_TINT_HEX"]

#: Fill of a criterion's outcome mark (the app's tick, cross and question mark icons).
OUTCOME_MARK_HEX = {"pass": STATUS_HEX["match"], "fail": "#d32f2f",
                    "unknown": STATUS_HEX["to_check"]}
#: Text of an error message in a form (the app's filter panel).
ERROR_HEX = OUTCOME_HEX["fail"]
#: Small print (the PDF's footer).
FAINT_HEX = "#777777"
#: A thin rule closing a table (the PDF).
RULE_HEX = "#bbbbbb"
#: Light fill of the assembly mark (the app's table).
ASSEMBLY_TINT_HEX = "#e1bee7"


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """The (red, green, blue) of a ``#rrggbb`` colour."""
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
