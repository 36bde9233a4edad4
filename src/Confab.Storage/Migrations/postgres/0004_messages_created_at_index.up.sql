-- confab:no-transaction
-- Messages by time over all conversations: the admin overview counts the last minute and hour, the daily figures
-- a range of days, and retention its expired messages; without it each of these reads the whole table.
-- CONCURRENTLY, so building it on a large table does not hold up sends.
CREATE INDEX CONCURRENTLY messages_created_at_idx ON messages (created_at);
