-- Every foreign key gets an index on its referencing side. Without one, deleting or re-keying a parent row scans
-- the whole child table: erasing an account (users) had to read every one-time prekey for claimed_by, and removing
-- a device every session for device_id. Partial, since most rows hold NULL there; the equality an FK action
-- tests implies NOT NULL, so the planner uses them.
CREATE INDEX one_time_prekeys_claimed_by_idx ON one_time_prekeys (claimed_by) WHERE claimed_by IS NOT NULL;
CREATE INDEX auth_sessions_device_id_idx ON auth_sessions (device_id) WHERE device_id IS NOT NULL;
