-- The ranked list's orderings live in memory (the store's `listing`
-- module): every event moved its lead's entries in these four indexes,
-- about ten log pages per event on the ingest path.
DROP INDEX scores_rank;
DROP INDEX scores_stage;
DROP INDEX scores_cell;
DROP INDEX scores_hot;
