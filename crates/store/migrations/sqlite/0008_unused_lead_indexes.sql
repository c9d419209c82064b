-- The ranked list's account and owner filters are answered in memory
-- since 0007 (the store's `listing` module) and no query reads these
-- two indexes any more; every write of a lead row still kept them.
DROP INDEX leads_account;
DROP INDEX leads_owner;
