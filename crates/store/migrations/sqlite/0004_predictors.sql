-- Trained predictive models, by content version, with their hold-out report.
CREATE TABLE predictors (
    version    TEXT PRIMARY KEY,
    kind       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    report     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
