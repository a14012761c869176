-- Which agreements a member's side is older than: the highest agreement id there was when they
-- took their current side. A confirmation counts only from someone who already represented the
-- other organisation when the agreement was proposed (agreement id above this number). Members
-- from before this migration may confirm every agreement (0).
ALTER TABLE members ADD COLUMN side_after_agreement INTEGER NOT NULL DEFAULT 0;
