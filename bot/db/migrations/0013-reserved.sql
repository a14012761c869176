-- Reserved: 0013 is the number of another branch's migration for issue 26 (action items), made
-- at the same time as 0014 below. Migrations must be numbered without gaps, so this branch holds
-- the number with a migration that changes nothing; the merge replaces this file with that one
-- (two files numbered 0013 stop start-up with "out of sequence" until it does).
SELECT 1;
