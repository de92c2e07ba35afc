-- filter_macros: the dashboard's global filters, defined once, as macros every query uses.
-- Returns nothing; creates the macros (the ETL runs it after building the marts).
-- in_filters(team, site, channel, issue_type, anger_level, teams, sites, channels, issues, anger):
--   true when a call or summary cell with these values passes the filters (each a list,
--   NULL = all).
-- in_months(month, first, last): true when month (a month's first day) lies in the chosen whole
--   months (first, last: dates, NULL = open).
-- filtered_summary(teams, sites, channels, issues, anger): table macro; the call_summary cells
--   that pass the filters other than the period, with is_upset (the period is left to the query,
--   so the headline can also look at the period before).
CREATE OR REPLACE MACRO in_filters(team, site, channel, issue_type, anger_level,
                                   teams, sites, channels, issues, anger) AS
    (teams IS NULL OR list_contains(teams, team))
    AND (sites IS NULL OR list_contains(sites, site))
    AND (channels IS NULL OR list_contains(channels, channel))
    AND (issues IS NULL OR list_contains(issues, issue_type))
    AND (anger IS NULL OR list_contains(anger, anger_level));
CREATE OR REPLACE MACRO in_months(month, first, last) AS
    (first IS NULL OR month >= date_trunc('month', CAST(first AS DATE)))
    AND (last IS NULL OR month <= CAST(last AS DATE));
CREATE OR REPLACE MACRO filtered_summary(teams, sites, channels, issues, anger) AS TABLE
    SELECT *, anger_level >= upset_anger() AS is_upset
    FROM call_summary
    WHERE in_filters(team, site, channel, issue_type, anger_level, teams, sites, channels, issues, anger);
