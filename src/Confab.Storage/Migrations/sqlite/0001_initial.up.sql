-- Confab schema, SQLite dialect. Same tables, columns, keys and named constraints as the PostgreSQL
-- dialect; a test compares the two by introspection.
-- Declared types name the logical type and give the right affinity: UUID (canonical lowercase text),
-- TIMESTAMPTZ (UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ'), BOOLEAN (0/1), JSON_TEXT (a JSON object as text),
-- BLOB, TEXT, BIGINT, INT (32-bit), INTEGER PRIMARY KEY (row id).

-- Accounts ------------------------------------------------------------------------------------

CREATE TABLE users (
    id             UUID        NOT NULL,
    username       TEXT        NOT NULL,
    email          TEXT,
    password_hash  TEXT,
    display_name   TEXT        NOT NULL,
    avatar_url     TEXT,
    bio            TEXT,
    status_message TEXT,
    presence       TEXT        NOT NULL DEFAULT 'offline',
    last_seen_at   TIMESTAMPTZ,
    is_admin       BOOLEAN     NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    disabled_at    TIMESTAMPTZ,
    last_event_seq BIGINT      NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    erased_at      TIMESTAMPTZ,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_format CHECK (length(username) BETWEEN 3 AND 50 AND username NOT GLOB '*[^A-Za-z0-9_]*'),
    CONSTRAINT users_email_format CHECK (email IS NULL OR (length(email) BETWEEN 3 AND 254 AND instr(email, '@') > 1)),
    CONSTRAINT users_erased_fields CHECK (erased_at IS NOT NULL OR (email IS NOT NULL AND password_hash IS NOT NULL)),
    CONSTRAINT users_display_name_length CHECK (length(display_name) BETWEEN 1 AND 100),
    CONSTRAINT users_avatar_url_length CHECK (avatar_url IS NULL OR length(avatar_url) <= 2048),
    CONSTRAINT users_bio_length CHECK (bio IS NULL OR length(bio) <= 500),
    CONSTRAINT users_status_message_length CHECK (status_message IS NULL OR length(status_message) <= 140),
    CONSTRAINT users_presence_values CHECK (presence IN ('online', 'away', 'offline')),
    CONSTRAINT users_last_event_seq_range CHECK (last_event_seq >= 0)
);

CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE TRIGGER users_set_updated_at AFTER UPDATE ON users
    FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE id = NEW.id;
END;

CREATE TABLE devices (
    id                      UUID        NOT NULL,
    user_id                 UUID        NOT NULL,
    name                    TEXT        NOT NULL,
    identity_key            BLOB        NOT NULL,
    signed_prekey_id        BIGINT,
    signed_prekey           BLOB,
    signed_prekey_signature BLOB,
    signed_prekey_rotated_at TIMESTAMPTZ,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    last_seen_at            TIMESTAMPTZ,
    revoked_at              TIMESTAMPTZ,
    CONSTRAINT devices_pkey PRIMARY KEY (id),
    CONSTRAINT devices_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT devices_name_length CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT devices_identity_key_length CHECK (length(identity_key) BETWEEN 16 AND 1024),
    CONSTRAINT devices_signed_prekey_complete CHECK (
        (signed_prekey IS NULL AND signed_prekey_signature IS NULL AND signed_prekey_id IS NULL)
        OR (signed_prekey IS NOT NULL AND signed_prekey_signature IS NOT NULL AND signed_prekey_id IS NOT NULL
            AND signed_prekey_rotated_at IS NOT NULL))
);

CREATE INDEX devices_user_id_idx ON devices (user_id);
CREATE TRIGGER devices_set_updated_at AFTER UPDATE ON devices
    FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE devices SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE id = NEW.id;
END;

CREATE TABLE one_time_prekeys (
    device_id  UUID        NOT NULL,
    key_id     BIGINT      NOT NULL,
    public_key BLOB        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    claimed_at TIMESTAMPTZ,
    claimed_by UUID,
    CONSTRAINT one_time_prekeys_pkey PRIMARY KEY (device_id, key_id),
    CONSTRAINT one_time_prekeys_device_id_fkey FOREIGN KEY (device_id) REFERENCES devices (id) ON DELETE CASCADE,
    CONSTRAINT one_time_prekeys_claimed_by_fkey FOREIGN KEY (claimed_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT one_time_prekeys_public_key_length CHECK (length(public_key) BETWEEN 16 AND 1024),
    CONSTRAINT one_time_prekeys_claim_complete CHECK (claimed_by IS NULL OR claimed_at IS NOT NULL)
);

CREATE INDEX one_time_prekeys_unclaimed_idx ON one_time_prekeys (device_id, key_id) WHERE claimed_at IS NULL;

CREATE TABLE auth_sessions (
    id                 UUID        NOT NULL,
    user_id            UUID        NOT NULL,
    family_id          UUID        NOT NULL,
    device_id          UUID,
    access_token_hash  BLOB        NOT NULL,
    refresh_token_hash BLOB        NOT NULL,
    device_name        TEXT,
    user_agent         TEXT,
    ip_address         TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    last_used_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    access_expires_at  TIMESTAMPTZ NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL,
    rotated_at         TIMESTAMPTZ,
    revoked_at         TIMESTAMPTZ,
    revoked_reason     TEXT,
    CONSTRAINT auth_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT auth_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT auth_sessions_device_id_fkey FOREIGN KEY (device_id) REFERENCES devices (id) ON DELETE SET NULL,
    CONSTRAINT auth_sessions_hash_length CHECK (length(access_token_hash) = 32 AND length(refresh_token_hash) = 32),
    CONSTRAINT auth_sessions_expiry_order CHECK (access_expires_at <= expires_at),
    CONSTRAINT auth_sessions_revoked_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)),
    CONSTRAINT auth_sessions_revoked_reason_values CHECK (revoked_reason IS NULL OR revoked_reason IN
        ('logout', 'revoked', 'password_changed', 'refresh_reuse', 'user_disabled', 'account_deleted', 'expired', 'admin')),
    CONSTRAINT auth_sessions_text_lengths CHECK (
        (device_name IS NULL OR length(device_name) <= 100) AND (user_agent IS NULL OR length(user_agent) <= 512)
        AND (ip_address IS NULL OR length(ip_address) <= 64))
);

CREATE UNIQUE INDEX auth_sessions_access_token_hash_key ON auth_sessions (access_token_hash);
CREATE UNIQUE INDEX auth_sessions_refresh_token_hash_key ON auth_sessions (refresh_token_hash);
CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id, created_at);
CREATE INDEX auth_sessions_family_id_idx ON auth_sessions (family_id);
CREATE INDEX auth_sessions_expires_at_idx ON auth_sessions (expires_at);

CREATE TABLE contacts (
    user_low     UUID        NOT NULL,
    user_high    UUID        NOT NULL,
    status       TEXT        NOT NULL,
    requested_by UUID        NOT NULL,
    blocked_by   UUID,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    responded_at TIMESTAMPTZ,
    CONSTRAINT contacts_pkey PRIMARY KEY (user_low, user_high),
    CONSTRAINT contacts_user_low_fkey FOREIGN KEY (user_low) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT contacts_user_high_fkey FOREIGN KEY (user_high) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT contacts_not_self CHECK (user_low <> user_high),
    CONSTRAINT contacts_pair_order CHECK (user_low < user_high),
    CONSTRAINT contacts_status_values CHECK (status IN ('pending', 'accepted', 'declined', 'blocked')),
    CONSTRAINT contacts_requested_by_member CHECK (requested_by IN (user_low, user_high)),
    CONSTRAINT contacts_blocked_by_member CHECK ((status = 'blocked') = (blocked_by IS NOT NULL)
        AND (blocked_by IS NULL OR blocked_by IN (user_low, user_high)))
);

CREATE INDEX contacts_user_high_idx ON contacts (user_high);
CREATE TRIGGER contacts_set_updated_at AFTER UPDATE ON contacts
    FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE contacts SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')
    WHERE user_low = NEW.user_low AND user_high = NEW.user_high;
END;

-- Conversations ---------------------------------------------------------------------------------

CREATE TABLE conversations (
    id                UUID        NOT NULL,
    kind              TEXT        NOT NULL,
    title             TEXT,
    settings          JSON_TEXT   NOT NULL DEFAULT '{}',
    created_by        UUID,
    direct_user_low   UUID,
    direct_user_high  UUID,
    last_seq          BIGINT      NOT NULL DEFAULT 0,
    message_count     BIGINT      NOT NULL DEFAULT 0,
    last_message_at   TIMESTAMPTZ,
    last_activity_at  TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at        TIMESTAMPTZ,
    CONSTRAINT conversations_pkey PRIMARY KEY (id),
    CONSTRAINT conversations_created_by_fkey FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT conversations_direct_user_low_fkey FOREIGN KEY (direct_user_low) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT conversations_direct_user_high_fkey FOREIGN KEY (direct_user_high) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT conversations_settings_object CHECK (json_valid(settings) AND json_type(settings) = 'object'),
    CONSTRAINT conversations_kind_values CHECK (kind IN ('direct', 'group')),
    CONSTRAINT conversations_group_title CHECK (kind <> 'group' OR (title IS NOT NULL AND length(trim(title)) > 0)),
    CONSTRAINT conversations_title_length CHECK (title IS NULL OR length(title) <= 200),
    CONSTRAINT conversations_direct_pair CHECK (
        (kind = 'direct' AND direct_user_low IS NOT NULL AND direct_user_high IS NOT NULL AND direct_user_low < direct_user_high)
        OR (kind = 'group' AND direct_user_low IS NULL AND direct_user_high IS NULL)),
    CONSTRAINT conversations_counters CHECK (last_seq >= 0 AND message_count >= 0 AND message_count <= last_seq)
);

CREATE UNIQUE INDEX conversations_direct_pair_key ON conversations (direct_user_low, direct_user_high);
CREATE INDEX conversations_direct_user_high_idx ON conversations (direct_user_high);
CREATE INDEX conversations_created_by_idx ON conversations (created_by);
CREATE INDEX conversations_activity_idx ON conversations (last_activity_at DESC, id DESC);
CREATE TRIGGER conversations_set_updated_at AFTER UPDATE ON conversations
    FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE conversations SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE id = NEW.id;
END;

CREATE TABLE participants (
    conversation_id         UUID        NOT NULL,
    user_id                 UUID        NOT NULL,
    role                    TEXT        NOT NULL DEFAULT 'member',
    joined_at               TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    joined_seq              BIGINT      NOT NULL DEFAULT 0,
    left_at                 TIMESTAMPTZ,
    muted_until             TIMESTAMPTZ,
    last_read_seq           BIGINT      NOT NULL DEFAULT 0,
    last_read_message_count BIGINT      NOT NULL DEFAULT 0,
    last_delivered_seq      BIGINT      NOT NULL DEFAULT 0,
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT participants_pkey PRIMARY KEY (conversation_id, user_id),
    CONSTRAINT participants_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT participants_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT participants_role_values CHECK (role IN ('owner', 'admin', 'moderator', 'member')),
    CONSTRAINT participants_watermarks CHECK (
        last_read_seq >= 0 AND last_read_message_count >= 0 AND joined_seq >= 0 AND last_delivered_seq >= last_read_seq)
);

CREATE INDEX participants_user_id_idx ON participants (user_id, conversation_id);
CREATE TRIGGER participants_set_updated_at AFTER UPDATE ON participants
    FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE participants SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')
    WHERE conversation_id = NEW.conversation_id AND user_id = NEW.user_id;
END;

-- Messages --------------------------------------------------------------------------------------

CREATE TABLE messages (
    id              UUID        NOT NULL,
    conversation_id UUID        NOT NULL,
    seq             BIGINT      NOT NULL,
    message_number  BIGINT      NOT NULL,
    sender_id       UUID,
    client_msg_id   TEXT,
    kind            TEXT        NOT NULL DEFAULT 'text',
    body            TEXT,
    ciphertext      BLOB,
    reply_to_id     UUID,
    metadata        JSON_TEXT   NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    edited_at       TIMESTAMPTZ,
    deleted_at      TIMESTAMPTZ,
    deleted_by      UUID,
    CONSTRAINT messages_pkey PRIMARY KEY (id),
    CONSTRAINT messages_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT messages_sender_id_fkey FOREIGN KEY (sender_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT messages_reply_to_id_fkey FOREIGN KEY (reply_to_id) REFERENCES messages (id) ON DELETE SET NULL,
    CONSTRAINT messages_deleted_by_fkey FOREIGN KEY (deleted_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT messages_seq_range CHECK (seq > 0 AND message_number > 0 AND message_number <= seq),
    CONSTRAINT messages_metadata_object CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    CONSTRAINT messages_kind_values CHECK (kind IN ('text', 'system', 'encrypted')),
    CONSTRAINT messages_body_length CHECK (body IS NULL OR length(body) <= 10000),
    CONSTRAINT messages_ciphertext_length CHECK (ciphertext IS NULL OR length(ciphertext) <= 65536),
    CONSTRAINT messages_client_msg_id_length CHECK (client_msg_id IS NULL OR length(client_msg_id) BETWEEN 1 AND 100),
    CONSTRAINT messages_content CHECK (
        deleted_at IS NOT NULL
        OR (kind = 'text' AND body IS NOT NULL AND length(body) > 0 AND ciphertext IS NULL)
        OR (kind = 'encrypted' AND ciphertext IS NOT NULL AND body IS NULL)
        OR (kind = 'system' AND ciphertext IS NULL))
);

CREATE UNIQUE INDEX messages_conversation_seq_key ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_conversation_number_key ON messages (conversation_id, message_number);
CREATE UNIQUE INDEX messages_client_msg_id_key ON messages (conversation_id, sender_id, client_msg_id);
CREATE INDEX messages_sender_id_idx ON messages (sender_id, created_at);
CREATE INDEX messages_reply_to_id_idx ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;
CREATE INDEX messages_deleted_by_idx ON messages (deleted_by) WHERE deleted_by IS NOT NULL;

-- Full-text search: an FTS5 index over live message bodies with the trigram tokenizer, which matches
-- substrings in any script (English words, Chinese and Japanese without spaces, emoji sequences).
-- It is external-content (the text lives in messages only), kept in step by the triggers below.
CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = 'messages', content_rowid = 'rowid', tokenize = 'trigram');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    FOR EACH ROW WHEN NEW.body IS NOT NULL AND NEW.deleted_at IS NULL
BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.rowid, NEW.body);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    FOR EACH ROW WHEN OLD.body IS NOT NULL AND OLD.deleted_at IS NULL
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.rowid, OLD.body);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, deleted_at ON messages
    FOR EACH ROW
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        SELECT 'delete', OLD.rowid, OLD.body WHERE OLD.body IS NOT NULL AND OLD.deleted_at IS NULL;
    INSERT INTO messages_fts (rowid, body)
        SELECT NEW.rowid, NEW.body WHERE NEW.body IS NOT NULL AND NEW.deleted_at IS NULL;
END;

CREATE TABLE message_edits (
    message_id          UUID        NOT NULL,
    version             INT         NOT NULL,
    previous_body       TEXT,
    previous_ciphertext BLOB,
    edited_by           UUID,
    edited_at           TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT message_edits_pkey PRIMARY KEY (message_id, version),
    CONSTRAINT message_edits_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT message_edits_edited_by_fkey FOREIGN KEY (edited_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT message_edits_version_range CHECK (version > 0),
    CONSTRAINT message_edits_body_length CHECK (previous_body IS NULL OR length(previous_body) <= 10000)
);

CREATE INDEX message_edits_edited_by_idx ON message_edits (edited_by);

CREATE TABLE reactions (
    message_id UUID        NOT NULL,
    user_id    UUID        NOT NULL,
    emoji      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT reactions_pkey PRIMARY KEY (message_id, user_id, emoji),
    CONSTRAINT reactions_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT reactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT reactions_emoji_length CHECK (length(emoji) BETWEEN 1 AND 32)
);

CREATE INDEX reactions_user_id_idx ON reactions (user_id);

CREATE TABLE pinned_messages (
    conversation_id UUID        NOT NULL,
    message_id      UUID        NOT NULL,
    pinned_by       UUID,
    pinned_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pinned_messages_pkey PRIMARY KEY (conversation_id, message_id),
    CONSTRAINT pinned_messages_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT pinned_messages_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT pinned_messages_pinned_by_fkey FOREIGN KEY (pinned_by) REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX pinned_messages_message_id_idx ON pinned_messages (message_id);
CREATE INDEX pinned_messages_pinned_by_idx ON pinned_messages (pinned_by);

CREATE TABLE conversation_events (
    conversation_id UUID        NOT NULL,
    seq             BIGINT      NOT NULL,
    kind            TEXT        NOT NULL,
    actor_id        UUID,
    message_id      UUID,
    payload         JSON_TEXT   NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT conversation_events_pkey PRIMARY KEY (conversation_id, seq),
    CONSTRAINT conversation_events_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT conversation_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT conversation_events_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT conversation_events_seq_range CHECK (seq > 0),
    CONSTRAINT conversation_events_payload_object CHECK (json_valid(payload) AND json_type(payload) = 'object'),
    CONSTRAINT conversation_events_kind_values CHECK (kind IN (
        'message.created', 'message.edited', 'message.deleted', 'reaction.added', 'reaction.removed',
        'receipt.read', 'receipt.delivered', 'member.added', 'member.removed', 'member.role_changed',
        'conversation.created', 'conversation.updated', 'conversation.deleted', 'message.pinned', 'message.unpinned'))
);

CREATE INDEX conversation_events_message_id_idx ON conversation_events (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX conversation_events_actor_id_idx ON conversation_events (actor_id) WHERE actor_id IS NOT NULL;

CREATE TABLE user_events (
    user_id    UUID        NOT NULL,
    seq        BIGINT      NOT NULL,
    kind       TEXT        NOT NULL,
    payload    JSON_TEXT   NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT user_events_pkey PRIMARY KEY (user_id, seq),
    CONSTRAINT user_events_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT user_events_seq_range CHECK (seq > 0),
    CONSTRAINT user_events_payload_object CHECK (json_valid(payload) AND json_type(payload) = 'object'),
    CONSTRAINT user_events_kind_values CHECK (kind IN (
        'contact.requested', 'contact.accepted', 'contact.declined', 'contact.removed', 'contact.blocked', 'contact.unblocked',
        'conversation.joined', 'conversation.left', 'session.revoked', 'profile.updated'))
);

CREATE TABLE attachments (
    id              UUID        NOT NULL,
    uploader_id     UUID,
    conversation_id UUID,
    message_id      UUID,
    file_name       TEXT        NOT NULL,
    content_type    TEXT        NOT NULL,
    size_bytes      BIGINT      NOT NULL,
    sha256          BLOB        NOT NULL,
    storage_key     TEXT        NOT NULL,
    width           INT,
    height          INT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT attachments_pkey PRIMARY KEY (id),
    CONSTRAINT attachments_uploader_id_fkey FOREIGN KEY (uploader_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT attachments_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT attachments_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE SET NULL,
    CONSTRAINT attachments_file_name_length CHECK (length(file_name) BETWEEN 1 AND 255),
    CONSTRAINT attachments_content_type_values CHECK (content_type IN (
        'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain',
        'audio/mpeg', 'audio/ogg', 'video/mp4', 'video/webm', 'application/zip')),
    CONSTRAINT attachments_size_range CHECK (size_bytes BETWEEN 0 AND 10485760),
    CONSTRAINT attachments_sha256_length CHECK (length(sha256) = 32),
    CONSTRAINT attachments_dimensions CHECK ((width IS NULL OR width > 0) AND (height IS NULL OR height > 0))
);

CREATE UNIQUE INDEX attachments_storage_key_key ON attachments (storage_key);
CREATE INDEX attachments_uploader_id_idx ON attachments (uploader_id);
CREATE INDEX attachments_conversation_id_idx ON attachments (conversation_id);
CREATE INDEX attachments_message_id_idx ON attachments (message_id) WHERE message_id IS NOT NULL;

-- AUTOINCREMENT: an id is never reused, even after the newest row is gone.
CREATE TABLE audit_log (
    id          INTEGER     NOT NULL,
    actor_id    UUID,
    action      TEXT        NOT NULL,
    target_type TEXT,
    target_id   TEXT,
    ip_address  TEXT,
    user_agent  TEXT,
    severity    TEXT        NOT NULL DEFAULT 'info',
    details     JSON_TEXT   NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT audit_log_pkey PRIMARY KEY (id AUTOINCREMENT),
    CONSTRAINT audit_log_action_format CHECK (length(action) BETWEEN 1 AND 100),
    CONSTRAINT audit_log_details_object CHECK (json_valid(details) AND json_type(details) = 'object'),
    CONSTRAINT audit_log_severity_values CHECK (severity IN ('info', 'notice', 'warning', 'critical'))
);

CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_action_idx ON audit_log (action, created_at);
CREATE TRIGGER audit_log_reject_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_reject_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Views -----------------------------------------------------------------------------------------

CREATE VIEW active_users AS
SELECT u.id, u.username, u.display_name, u.presence, u.last_seen_at,
       (SELECT count(*) FROM auth_sessions s
         WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.rotated_at IS NULL
           AND s.expires_at > strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) AS session_count
FROM users u
WHERE u.erased_at IS NULL AND u.disabled_at IS NULL;

CREATE VIEW conversation_stats AS
SELECT c.id AS conversation_id, c.kind, c.title, c.last_activity_at,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.deleted_at IS NULL) AS message_count,
       (SELECT count(*) FROM participants p WHERE p.conversation_id = c.id AND p.left_at IS NULL) AS member_count,
       (SELECT count(DISTINCT m.sender_id) FROM messages m
         WHERE m.conversation_id = c.id AND m.created_at > strftime('%Y-%m-%dT%H:%M:%f000Z', 'now', '-30 days')) AS active_member_count
FROM conversations c
WHERE c.deleted_at IS NULL;

CREATE VIEW message_details AS
SELECT m.id, m.conversation_id, m.seq, m.sender_id,
       coalesce(u.display_name, 'Deleted user') AS sender_name,
       m.kind, m.body, m.reply_to_id, m.created_at, m.edited_at, m.deleted_at,
       (SELECT count(*) FROM participants p
         WHERE p.conversation_id = m.conversation_id AND p.left_at IS NULL
           AND p.user_id IS NOT m.sender_id AND p.last_read_seq >= m.seq) AS read_count
FROM messages m
LEFT JOIN users u ON u.id = m.sender_id AND u.erased_at IS NULL;
