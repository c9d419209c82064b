-- Scores are kept by (model version, lead): stored in that key's own B-tree
-- (WITHOUT ROWID), an upsert finds and rewrites the row in one tree instead
-- of looking the key up in an index and then the row in the table, one
-- page fewer dirtied for every scored event.
CREATE TABLE scores_by_lead (
    model_version INTEGER NOT NULL,
    lead_id       TEXT    NOT NULL,
    total         REAL    NOT NULL,
    fit           REAL    NOT NULL,
    engagement    REAL    NOT NULL,
    groups        TEXT    NOT NULL,
    bant          INTEGER NOT NULL,
    cell          TEXT    NOT NULL,
    hot           INTEGER NOT NULL,
    stage         TEXT    NOT NULL,
    manual_stage  INTEGER NOT NULL,
    email_quality TEXT    NOT NULL,
    last_activity INTEGER,
    events        INTEGER NOT NULL,
    reasons       TEXT    NOT NULL,
    scored_at     INTEGER NOT NULL,
    PRIMARY KEY (model_version, lead_id)
) WITHOUT ROWID;
INSERT INTO scores_by_lead
    SELECT model_version, lead_id, total, fit, engagement, groups, bant, cell, hot, stage,
           manual_stage, email_quality, last_activity, events, reasons, scored_at
    FROM scores;
DROP TABLE scores;
ALTER TABLE scores_by_lead RENAME TO scores;
CREATE INDEX scores_rank ON scores (model_version, total DESC, lead_id);
CREATE INDEX scores_stage ON scores (model_version, stage, total DESC, lead_id);
CREATE INDEX scores_cell ON scores (model_version, cell, total DESC, lead_id);
CREATE INDEX scores_hot ON scores (model_version, total DESC, lead_id) WHERE hot;
