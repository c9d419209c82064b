-- Hot leads are few: without their own index, the hot-only ranked list
-- scans the whole ranking to fill a page.
CREATE INDEX scores_hot ON scores (model_version, total DESC, lead_id) WHERE hot;
