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
    smd_after   DOUBLE,
    kind        VARCHAR             -- covariate (pre-call) | practice (a co-practice on the call)
);
CREATE TABLE IF NOT EXISTS practice_sensitivity (
    run_id                  INTEGER NOT NULL,
    practice                VARCHAR NOT NULL,
    effect                  VARCHAR NOT NULL,   -- total | landmark (after-call practice)
    method                  VARCHAR,            -- the main estimate checked: aipw, else logit
    estimate                DOUBLE,             -- main risk difference (probability units)
    ci_low                  DOUBLE,
    ci_high                 DOUBLE,
    baseline_risk           DOUBLE,             -- churn without the practice, standardised
    risk_ratio              DOUBLE,             -- (baseline + estimate) / baseline
    e_value                 DOUBLE,
    e_value_ci              DOUBLE,             -- of the CI limit nearest zero; 1 when it crosses zero
    lpm_estimate            DOUBLE,             -- linear probability model, same adjustment set
    lpm_se                  DOUBLE,
    lpm_t                   DOUBLE,
    dof                     BIGINT,
    partial_r2              DOUBLE,
    rv                      DOUBLE,             -- robustness value, q = 1
    rv_alpha                DOUBLE,             -- robustness value, q = 1, alpha = 0.05
    benchmark               VARCHAR,            -- the strongest measured covariate (population column)
    benchmark_r2d           DOUBLE,
    benchmark_r2y           DOUBLE,
    benchmark_estimate      DOUBLE,
    benchmark_ci_low        DOUBLE,
    benchmark_ci_high       DOUBLE,
    benchmark_explains_away BOOLEAN,
    within_estimate         DOUBLE,             -- agent fixed effects (linear probability model)
    within_ci_low           DOUBLE,
    within_ci_high          DOUBLE,
    within_n                BIGINT,
    within_agents           BIGINT,
    within_disagrees        BOOLEAN,            -- estimate outside [within_ci_low, within_ci_high]
    reading                 VARCHAR,
    warning                 VARCHAR
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
CREATE TABLE IF NOT EXISTS agent_coaching (
    run_id              INTEGER NOT NULL,
    agent_id            VARCHAR NOT NULL,
    team                VARCHAR,
    upset_calls         BIGINT NOT NULL,    -- the agent's upset calls in the period
    needs_most          VARCHAR,            -- the practice whose gap costs most customers (NULL: none)
    n_calls             BIGINT,             -- the agent's upset calls assessed for it
    n_used              BIGINT,
    adoption            DOUBLE,             -- shrunken adoption of it
    adoption_ci_low     DOUBLE,
    adoption_ci_high    DOUBLE,
    target_adoption     DOUBLE,
    kept_per_month      DOUBLE,             -- customers kept per month by closing the gap
    ci_low              DOUBLE,
    ci_high             DOUBLE,
    queue_rank          INTEGER,            -- 1 = coach first
    team_share          DOUBLE,             -- share of the team's agents needing the same practice
    team_level          BOOLEAN,            -- more than half of a team of 3+: teach the team
    warning             VARCHAR
);
CREATE TABLE IF NOT EXISTS training_impact (
    run_id              INTEGER NOT NULL,
    module              VARCHAR NOT NULL,
    practice            VARCHAR NOT NULL,
    outcome             VARCHAR NOT NULL,   -- adoption | churn_<h>d
    estimate            DOUBLE,             -- difference in differences, probability units
    ci_low              DOUBLE,
    ci_high             DOUBLE,
    p_value             DOUBLE,
    trained_agents      BIGINT,
    comparison_agents   BIGINT,
    n_calls             BIGINT,
    trained_before      DOUBLE,
    trained_after       DOUBLE,
    comparison_before   DOUBLE,
    comparison_after    DOUBLE,
    warning             VARCHAR
);
-- dispute_effects: the playbooks' disputed points (calmline.vocabulary.DISPUTES): per point and
-- method, the change in churn within the horizon of the claim's side over the other, among the
-- compared calls, in percentage points (-2.1 = 2.1 fewer customers lost per 100 calls); no rows
-- when no transcripts were loaded (the run's warnings say so).
CREATE TABLE IF NOT EXISTS dispute_effects (
    run_id          INTEGER NOT NULL,
    horizon         INTEGER NOT NULL,   -- days (as model_runs.horizon_days)
    dispute         VARCHAR NOT NULL,
    position        INTEGER,            -- the vocabulary's order
    label           VARCHAR,
    claim           VARCHAR,
    playbooks       VARCHAR,
    counter         VARCHAR,
    treated_label   VARCHAR,
    control_label   VARCHAR,
    method          VARCHAR NOT NULL,   -- aipw | logit | naive
    headline        BOOLEAN,            -- the row the dashboard and the saved query show
    n_calls         BIGINT,
    n_treated       BIGINT,
    n_control       BIGINT,
    n_agents        BIGINT,
    n_analysed      BIGINT,
    estimate_pp     DOUBLE,
    ci_low_pp       DOUBLE,
    ci_high_pp      DOUBLE,
    std_error_pp    DOUBLE,
    p_value         DOUBLE,
    t_df            INTEGER,
    note            VARCHAR
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
-- std_error: the estimate's standard error (risk differences: probability units; odds ratios: of the
-- log odds ratio). t_df: degrees of freedom of the t reference of the interval and p-value when the
-- model had fewer than 40 agents (agents - 1; NULL: normal reference). design_effect: the fitted
-- variance over the simple two-proportion variance, which the row's mde uses.
ALTER TABLE practice_effects ADD COLUMN IF NOT EXISTS std_error DOUBLE;
ALTER TABLE practice_effects ADD COLUMN IF NOT EXISTS t_df INTEGER;
ALTER TABLE practice_effects ADD COLUMN IF NOT EXISTS design_effect DOUBLE;
-- effect_heterogeneity.q_value: Benjamini-Hochberg within the cell's dimension (one heatmap);
-- survives_fdr: q_value <= 0.05 (NULL without an estimate): grey the cells where it is false.
ALTER TABLE effect_heterogeneity ADD COLUMN IF NOT EXISTS q_value DOUBLE;
ALTER TABLE effect_heterogeneity ADD COLUMN IF NOT EXISTS survives_fdr BOOLEAN;
-- practice_balance.kind: covariate or practice (a co-practice on the call).
ALTER TABLE practice_balance ADD COLUMN IF NOT EXISTS kind VARCHAR;
-- training_priorities: p_top3, the share of bootstrap replicates in which the practice is among the
-- team's three keeping most customers; n_agents and n_calls, the agents and assessed upset calls
-- behind current_adoption.
ALTER TABLE training_priorities ADD COLUMN IF NOT EXISTS p_top3 DOUBLE;
ALTER TABLE training_priorities ADD COLUMN IF NOT EXISTS n_agents BIGINT;
ALTER TABLE training_priorities ADD COLUMN IF NOT EXISTS n_calls BIGINT;
