-- confab:no-transaction
DROP INDEX CONCURRENTLY users_uploaded_avatar_idx;
