-- +goose Up
-- What the resources a check found are estimated to cost per hour (a
-- cleanup lab's leftovers); 0 for checks that estimate nothing.
ALTER TABLE results ADD COLUMN cost_per_hour double precision NOT NULL DEFAULT 0 CHECK (cost_per_hour >= 0);

-- +goose Down
ALTER TABLE results DROP COLUMN cost_per_hour;
