-- confab:no-transaction
DROP INDEX CONCURRENTLY messages_created_at_idx;
