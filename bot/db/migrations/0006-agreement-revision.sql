-- A proposal can be reworded, or answered with other wording by the other partner. Each change
-- counts up the revision, which the Confirm button carries: a press on a proposal that changed
-- since it was read confirms nothing.
ALTER TABLE agreements ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
