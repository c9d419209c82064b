-- The B2B example model (examples/b2b-saas.toml) as one DuckDB query, for
-- the side-by-side benchmark against `leadscore bench`.
--
-- Input: the tables `leads` and `events`, loaded by run.py from the flat CSVs
-- that `leadscore bench --export` writes (leads: lead, id, account,
-- email_class and the profile attributes the model reads; events: lead, ts in
-- ms since the epoch, message_id, name, session, channel and the event
-- properties the model reads). An empty cell is NULL, which is leadscore's
-- "missing".
--
-- Output: one row per lead, in no particular order: lead, fit, engagement,
-- total.
--
-- Condition semantics follow leadscore's (crates/core/src/expr/eval.rs):
--   * text tests ignore case: the value is lower-cased, literals are written
--     in lower case;
--   * any test on a missing value is false, `not in` included: a NULL
--     condition counts as false in WHERE and in CASE WHEN;
--   * `matches` is an unanchored regular expression, as written.

WITH

-- Scoring time: 2026-11-01T00:00:00Z, the end of the generated history
-- (SynthConfig::default().end), in ms since the epoch. One day is 86400000 ms.
params AS (
    SELECT 1793491200000::BIGINT AS as_of
),

-- Only events at or before as_of count, for rules, aggregates and signals.
-- Inlined into each use: scanning the columns again is cheaper than
-- materialising every event.
ev AS NOT MATERIALIZED (
    SELECT e.lead, e.ts, e.name, e.session, e.channel, e.path, e.form, e.category,
           p.as_of - e.ts AS age,
           e.name NOT IN ('identify', 'group', 'alias') AS behaviour
    FROM events e CROSS JOIN params p
    WHERE e.ts <= p.as_of
),

-- ---- [[engagement]] --------------------------------------------------------
-- One row per rule, in model order: the event it looks at, points per event,
-- cap (NULL: none), frequency limit as (period, most events per period;
-- period NULL: no limit, 'ever': `once`) and decay as (kind, days). Rules
-- without `decay` take the model's: half-life 30d.
rules (rule, event, points, cap, per, max_n, decay, decay_days) AS (
    VALUES
    ( 1, 'page',               10,   30, 'day',  2,    'half-life', 30),  -- Pricing page
    ( 2, 'page',                8,   24, 'day',  1,    'half-life', 30),  -- Demo page
    ( 3, 'page',                3,   12, NULL,   NULL, 'half-life', 30),  -- Product page
    ( 4, 'page',               -5, NULL, 'ever', 1,    'none',      NULL), -- Careers page
    ( 5, 'page',                1,   10, 'day',  5,    'half-life', 7),   -- Page view
    ( 6, 'Form Submitted',     30, NULL, 'ever', 1,    'half-life', 60),  -- Demo or trial form
    ( 7, 'Form Submitted',     15, NULL, 'week', 1,    'half-life', 30),  -- Contact form
    ( 8, 'Email Clicked',       4,   16, 'week', 3,    'half-life', 30),  -- Email click
    ( 9, 'Email Opened',        1,    5, 'day',  1,    'half-life', 14),  -- Email open
    (10, 'Asset Downloaded',   12, NULL, 'week', 1,    'half-life', 30),  -- Case study or price list
    (11, 'Asset Downloaded',    5,   15, NULL,   NULL, 'half-life', 30),  -- Other download
    (12, 'Webinar Attended',   15,   30, NULL,   NULL, 'linear',    90),  -- Webinar attended
    (13, 'Email Unsubscribed', -20, NULL, 'ever', 1,   'none',      NULL) -- Unsubscribed
),

-- `event` and `when`: each event paired with every rule it matches.
rule_matches AS (
    SELECT ev.lead, ev.ts, r.rule, r.per, r.max_n
    FROM ev JOIN rules r ON r.event = ev.name
    WHERE CASE r.rule
        WHEN 1  THEN starts_with(lower(ev.path), '/pricing') OR lower(ev.path) = '/vi/bang-gia'
        WHEN 2  THEN lower(ev.path) = '/demo'
        WHEN 3  THEN starts_with(lower(ev.path), '/product/analytics')
        WHEN 4  THEN starts_with(lower(ev.path), '/careers')
        WHEN 6  THEN lower(ev.form) IN ('demo', 'trial')
        WHEN 7  THEN lower(ev.form) = 'contact'
        WHEN 10 THEN lower(ev.category) IN ('case-study', 'price-list')
        -- `not (category in [...])`: true when category is missing.
        WHEN 11 THEN NOT coalesce(lower(ev.category) IN ('case-study', 'price-list'), false)
        ELSE true  -- rules without `when`
    END
),

-- `limit`: the max_n earliest events of each period count. Periods: 'ever'
-- (`once`: one period for all time), 'day' = floor(ts / 1 day), 'week' =
-- floor((day + 3) / 7), ISO weeks from Monday (1970-01-01 was a Thursday).
-- min(ts, 5) lists a period's 5 earliest times, 5 being the largest N in the
-- model's limits. Events at the same millisecond tie; which of them is kept
-- does not change the points.
rule_counted AS (
    SELECT lead, rule, ts
    FROM rule_matches
    WHERE per IS NULL
    UNION ALL
    SELECT lead, rule, unnest(list_slice(min(ts, 5), 1, any_value(max_n))) AS ts
    FROM rule_matches
    WHERE per IS NOT NULL
    GROUP BY lead, rule, CASE per
        WHEN 'ever' THEN 0
        WHEN 'day'  THEN floor(ts / 86400000)
        WHEN 'week' THEN floor((floor(ts / 86400000) + 3) / 7)
    END
),

-- `decay` of each counted event, by its age as_of - ts (>= 0), summed per
-- rule; then `cap` bounds the rule's total in absolute value.
rule_totals AS (
    SELECT c.lead, c.rule, sum(r.points * CASE r.decay
        WHEN 'half-life' THEN pow(2, -(p.as_of - c.ts) / (r.decay_days * 86400000::BIGINT))
        WHEN 'linear'    THEN greatest(0, 1 - (p.as_of - c.ts) / (r.decay_days * 86400000::BIGINT))
        ELSE 1  -- none
    END) AS decayed
    FROM rule_counted c JOIN rules r USING (rule) CROSS JOIN params p
    GROUP BY c.lead, c.rule
),
rule_points AS (
    SELECT t.lead,
           sum(CASE WHEN r.cap IS NULL THEN t.decayed
                    ELSE least(greatest(t.decayed, -r.cap), r.cap) END) AS points
    FROM rule_totals t JOIN rules r USING (rule)
    GROUP BY t.lead
),

-- ---- [[aggregates]] --------------------------------------------------------
-- None has an `event` filter, so each looks at all of a lead's behavioural
-- events: identify, group and alias messages are bookkeeping and skipped
-- (they still count as activity for days_since_activity). A window W is
-- (as_of - W, as_of]. In one pass per lead:
--   visits_7d            distinct session keys in 7 days;
--   channels_30d         distinct channels in 30 days;
--   back_after_quiet     needs the first event in the 7-day window and the
--                        last one before it: two events inside the window
--                        are less than 7 days apart, so only that gap can
--                        reach `dormant` (45d);
--   active_14d           whether the lead counts for active_contacts_14d;
--   last_ts              for days_since_activity, in whole days (floor).
activity AS (
    SELECT ev.lead,
           max(ev.ts) AS last_ts,
           count(DISTINCT ev.session) FILTER (WHERE ev.age < 7 * 86400000::BIGINT AND ev.behaviour) AS visits_7d,
           count(DISTINCT ev.channel) FILTER (WHERE ev.age < 30 * 86400000::BIGINT AND ev.behaviour) AS channels_30d,
           min(ev.ts) FILTER (WHERE ev.age < 7 * 86400000::BIGINT AND ev.behaviour) AS first_in_7d,
           max(ev.ts) FILTER (WHERE ev.age >= 7 * 86400000::BIGINT AND ev.behaviour) AS last_before_7d,
           coalesce(bool_or(ev.age < 14 * 86400000::BIGINT AND ev.behaviour), false) AS active_14d
    FROM ev
    GROUP BY ev.lead
),

-- active_contacts_14d (scope = "account"): the account's leads with an event
-- in 14 days. A lead without an account is an account of its own (see the
-- signal "Buying committee" below).
accounts AS (
    SELECT l.account, count(*) FILTER (WHERE a.active_14d) AS active_contacts_14d
    FROM leads l LEFT JOIN activity a USING (lead)
    WHERE l.account IS NOT NULL
    GROUP BY l.account
),

-- ---- [bant] and [[fit]] ----------------------------------------------------
-- email.* comes from the precomputed class: email.quality is the class, and
-- email.corporate is "valid, neither free nor disposable", which holds for
-- the classes corporate and role (role is checked before free only for
-- addresses that are valid and not disposable; the generated role mailboxes
-- are at company domains, never at free webmail).
profile AS (
    SELECT lead, account,
           coalesce(budget >= 5000, false)::INTEGER
         + coalesce(lower(seniority) IN ('c-level', 'vp', 'director'), false)::INTEGER
         + (need IS NOT NULL)::INTEGER
         + coalesce(lower(timeline) IN ('now', 'this quarter'), false)::INTEGER AS bant,
           lower(seniority) AS seniority, job_title, company_size, industry, country,
           email_class
    FROM leads
),
fit AS (
    SELECT lead, account, least(greatest(
          CASE WHEN seniority IN ('c-level', 'vp', 'director') THEN 25 ELSE 0 END   -- Decision maker
        + CASE WHEN seniority = 'manager' THEN 12 ELSE 0 END                        -- Manager
        + CASE WHEN seniority = 'student'
                 OR regexp_matches(job_title, '(?i)\b(intern|sinh viên)\b') THEN -30 ELSE 0 END  -- Student or intern
        + CASE WHEN company_size BETWEEN 50 AND 5000 THEN 15 ELSE 0 END             -- Mid-size company
        + CASE WHEN company_size > 5000 THEN 8 ELSE 0 END                           -- Enterprise
        + CASE WHEN lower(industry) IN ('software', 'finance', 'retail', 'logistics')
               THEN 12 ELSE 0 END                                                   -- Target industry
        + CASE WHEN lower(country) IN ('vn', 'sg') THEN 10 ELSE 0 END               -- Home market
        + CASE WHEN email_class IN ('corporate', 'role') THEN 10 ELSE 0 END         -- Company email
        + CASE WHEN email_class IN ('invalid', 'disposable') THEN -25 ELSE 0 END    -- Junk email
        + CASE WHEN bant >= 3 THEN 15 ELSE 0 END                                    -- Strong BANT
        , -40), 100) AS fit  -- [limits] fit
    FROM profile
),

-- ---- [[signals]] and totals ------------------------------------------------
engagement AS (
    SELECT f.lead, f.fit, least(greatest(
          coalesce(rp.points, 0)
        + CASE WHEN a.visits_7d >= 3 THEN 10 ELSE 0 END                             -- Burst of visits
        + CASE WHEN a.channels_30d >= 3 THEN 6 ELSE 0 END                           -- Cross-channel
        + CASE WHEN a.first_in_7d - a.last_before_7d >= 45 * 86400000::BIGINT
               THEN 8 ELSE 0 END                                                    -- Came back after a quiet spell
        + CASE WHEN coalesce(acc.active_contacts_14d, a.active_14d::INTEGER, 0) >= 3
               THEN 15 ELSE 0 END                                                   -- Buying committee
        + CASE WHEN floor((p.as_of - a.last_ts) / 86400000) > 60
               THEN -10 ELSE 0 END                                                  -- Gone quiet
        , -30), 150) AS engagement  -- [limits] engagement
    FROM fit f
    CROSS JOIN params p
    LEFT JOIN rule_points rp USING (lead)
    LEFT JOIN activity a USING (lead)
    LEFT JOIN accounts acc ON acc.account = f.account  -- no match without an account
)

-- No [limits] total: total = fit + engagement.
SELECT lead, fit, engagement, fit + engagement AS total
FROM engagement
