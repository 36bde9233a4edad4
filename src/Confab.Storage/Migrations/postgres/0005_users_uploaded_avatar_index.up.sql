-- confab:no-transaction
-- The accounts whose avatar is a picture uploaded to the server: serving /api/v1/avatars/{sha256} checks that an
-- account still names it, and the sweep asks which stored pictures are named. Partial, because external avatar
-- URLs are never looked up (and a long one could pass the size a btree entry may have).
-- CONCURRENTLY, so building it does not hold up logins and profile changes.
CREATE INDEX CONCURRENTLY users_uploaded_avatar_idx ON users (avatar_url) WHERE substr(avatar_url, 1, 16) = '/api/v1/avatars/';
