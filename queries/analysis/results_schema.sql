-- results_schema: the tables `calmline fit` writes, one set of rows per run (run_id).
-- Returns nothing; creates the tables when missing. The dashboard shows the latest run;
-- older runs stay queryable. Risk differences are in probability units (-0.03 = 3 points
-- less churn within the horizon).
CREATE TABLE IF NOT EXISTS model_runs (
    run_id          INTEGER PRIMARY KEY,
    created_at      TIMESTAMP NOT NULL,
    as_of           DATE NOT NULL,
    horizon_days    INTEGER NOT NULL,
    n_calls         BIGINT NOT NULL,
    n_events        BIGINT NOT NULL,
    n_left_out      BIGINT NOT NULL,
    batch_ids       INTEGER[] NOT NULL,
    specification   VARCHAR NOT NULL,
    warnings        VARCHAR[] NOT NULL
);
CREATE TABLE IF NOT EXISTS practice_effects (
    run_id      INTEGER NOT NULL,
    practice    VARCHAR NOT NULL,
    method      VARCHAR NOT NULL,   -- naive | logit | aipw | cox
    effect      VARCHAR NOT NULL,   -- total | direct (adjusted for resolved) | landmark (after-call practice)
    outcome     VARCHAR NOT NULL,   -- e.g. churn_90d, time_to_churn
    scale       VARCHAR NOT NULL,   -- risk_difference | odds_ratio | hazard_ratio
    estimate    DOUBLE,
    ci_low      DOUBLE,
    ci_high     DOUBLE,
    p_value     DOUBLE,
    q_value     DOUBLE,
    n_with      BIGINT,
    n_without   BIGINT,
    mde         DOUBLE,
    warning     VARCHAR
);
CREATE TABLE IF NOT EXISTS practice_balance (
    run_id      INTEGER NOT NULL,
    practice    VARCHAR NOT NULL,
    covariate   VARCHAR NOT NULL,
    smd_before  DOUBLE,
    smd_after   DOUBLE
);
CREATE TABLE IF NOT EXISTS km_curves (
    run_id      INTEGER NOT NULL,
    practice    VARCHAR NOT NULL,
    "group"     VARCHAR NOT NULL,   -- with | without
    day         INTEGER NOT NULL,
    survival    DOUBLE,
    ci_low      DOUBLE,
    ci_high     DOUBLE,
    at_risk     BIGINT,
    events      BIGINT
);
CREATE TABLE IF NOT EXISTS dose_response (
    run_id      INTEGER NOT NULL,
    factor      VARCHAR NOT NULL,   -- options_offered | followup_timing | break_minutes
    level       VARCHAR NOT NULL,
    reference   VARCHAR NOT NULL,
    estimate    DOUBLE,             -- risk difference vs the reference level
    ci_low      DOUBLE,
    ci_high     DOUBLE,
    p_value     DOUBLE,
    risk        DOUBLE,             -- adjusted churn probability at this level
    n           BIGINT,
    warning     VARCHAR
);
CREATE TABLE IF NOT EXISTS effect_heterogeneity (
    run_id      INTEGER NOT NULL,
    practice    VARCHAR NOT NULL,
    dimension   VARCHAR NOT NULL,   -- anger_level | issue_type
    level       VARCHAR NOT NULL,
    estimate    DOUBLE,
    ci_low      DOUBLE,
    ci_high     DOUBLE,
    p_value     DOUBLE,
    n           BIGINT,
    warning     VARCHAR
);
CREATE TABLE IF NOT EXISTS training_priorities (
    run_id              INTEGER NOT NULL,
    practice            VARCHAR NOT NULL,
    team                VARCHAR NOT NULL,   -- a team, or 'all'
    current_adoption    DOUBLE,
    target_adoption     DOUBLE,
    retained_per_month  DOUBLE,
    ci_low              DOUBLE,
    ci_high             DOUBLE,
    rank                INTEGER,
    warning             VARCHAR
);
CREATE TABLE IF NOT EXISTS agent_adoption (
    run_id      INTEGER NOT NULL,
    agent_id    VARCHAR NOT NULL,
    team        VARCHAR,
    practice    VARCHAR NOT NULL,
    n_calls     BIGINT NOT NULL,
    n_used      BIGINT NOT NULL,
    raw_rate    DOUBLE,
    shrunk_rate DOUBLE,
    ci_low      DOUBLE,
    ci_high     DOUBLE
);
-- Columns added after the first release: CREATE TABLE IF NOT EXISTS leaves an older table as it
-- was, so they are added here too (a no-op on a new database).
-- practice_effects.effect also takes 'landmark': a practice that happens after the call (the
-- follow-up), among calls whose customer was still active when its window closed.
-- n_calls: calls in the model; n_analysed: calls the estimate used (AIPW: after trimming; direct:
-- calls with a recorded resolution); n_trimmed: calls AIPW left outside the overlap (0 when none,
-- NULL for other methods).
ALTER TABLE practice_effects ADD COLUMN IF NOT EXISTS n_calls BIGINT;
ALTER TABLE practice_effects ADD COLUMN IF NOT EXISTS n_trimmed BIGINT;
ALTER TABLE practice_effects ADD COLUMN IF NOT EXISTS n_analysed BIGINT;
