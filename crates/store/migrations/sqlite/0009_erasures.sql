-- Erasures whose events may still be in the log file (`log_file` in the
-- store crate): an erasure deletes the lead's derived rows and records it
-- here in one commit of this file, then deletes its events from the log
-- file in another; start-up finishes any erasure whose record is left.
CREATE TABLE erasures (
    lead_id    TEXT PRIMARY KEY,
    identities TEXT NOT NULL
);
