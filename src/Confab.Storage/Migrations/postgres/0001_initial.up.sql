-- Confab schema, PostgreSQL dialect. The SQLite dialect holds the same tables, columns, keys and
-- constraints under the same names; a test compares the two by introspection.
-- Rules users see are also checked at the edge; these constraints are the last line.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION confab_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE FUNCTION confab_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Accounts ------------------------------------------------------------------------------------

CREATE TABLE users (
    id             uuid        NOT NULL,
    username       text        NOT NULL,
    email          text,
    password_hash  text,
    display_name   text        NOT NULL,
    avatar_url     text,
    bio            text,
    status_message text,
    presence       text        NOT NULL DEFAULT 'offline',
    last_seen_at   timestamptz,
    is_admin       boolean     NOT NULL DEFAULT false,
    disabled_at    timestamptz,
    last_event_seq bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    erased_at      timestamptz,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_format CHECK (username ~ '^[A-Za-z0-9_]{3,50}$'),
    CONSTRAINT users_email_format CHECK (email IS NULL OR (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1)),
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
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW WHEN (NEW.updated_at = OLD.updated_at) EXECUTE FUNCTION confab_set_updated_at();

-- A device holds a user's end-to-end identity key and signed prekey; the server never sees private keys.
CREATE TABLE devices (
    id                      uuid        NOT NULL,
    user_id                 uuid        NOT NULL,
    name                    text        NOT NULL,
    identity_key            bytea       NOT NULL,
    signed_prekey_id        bigint,
    signed_prekey           bytea,
    signed_prekey_signature bytea,
    signed_prekey_rotated_at timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    last_seen_at            timestamptz,
    revoked_at              timestamptz,
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
CREATE TRIGGER devices_set_updated_at BEFORE UPDATE ON devices
    FOR EACH ROW WHEN (NEW.updated_at = OLD.updated_at) EXECUTE FUNCTION confab_set_updated_at();

-- One-time prekeys are handed out exactly once: claimed_at goes from NULL to a time in one UPDATE.
CREATE TABLE one_time_prekeys (
    device_id  uuid        NOT NULL,
    key_id     bigint      NOT NULL,
    public_key bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    claimed_at timestamptz,
    claimed_by uuid,
    CONSTRAINT one_time_prekeys_pkey PRIMARY KEY (device_id, key_id),
    CONSTRAINT one_time_prekeys_device_id_fkey FOREIGN KEY (device_id) REFERENCES devices (id) ON DELETE CASCADE,
    CONSTRAINT one_time_prekeys_claimed_by_fkey FOREIGN KEY (claimed_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT one_time_prekeys_public_key_length CHECK (length(public_key) BETWEEN 16 AND 1024),
    CONSTRAINT one_time_prekeys_claim_complete CHECK (claimed_by IS NULL OR claimed_at IS NOT NULL)
);

CREATE INDEX one_time_prekeys_unclaimed_idx ON one_time_prekeys (device_id, key_id) WHERE claimed_at IS NULL;

-- Sessions: one row per issued token pair; rotations of one login share a family. Only SHA-256 hashes are stored.
CREATE TABLE auth_sessions (
    id                 uuid        NOT NULL,
    user_id            uuid        NOT NULL,
    family_id          uuid        NOT NULL,
    device_id          uuid,
    access_token_hash  bytea       NOT NULL,
    refresh_token_hash bytea       NOT NULL,
    device_name        text,
    user_agent         text,
    ip_address         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_used_at       timestamptz NOT NULL DEFAULT now(),
    access_expires_at  timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    rotated_at         timestamptz,
    revoked_at         timestamptz,
    revoked_reason     text,
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

-- Contacts: one row per unordered pair (user_low < user_high), whoever asked first.
CREATE TABLE contacts (
    user_low     uuid        NOT NULL,
    user_high    uuid        NOT NULL,
    status       text        NOT NULL,
    requested_by uuid        NOT NULL,
    blocked_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    responded_at timestamptz,
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
CREATE TRIGGER contacts_set_updated_at BEFORE UPDATE ON contacts
    FOR EACH ROW WHEN (NEW.updated_at = OLD.updated_at) EXECUTE FUNCTION confab_set_updated_at();

-- Conversations ---------------------------------------------------------------------------------

-- last_seq counts every change in the conversation (the event log); message_count counts messages,
-- so unread = message_count - last_read_message_count, O(1) and unable to drift.
CREATE TABLE conversations (
    id                uuid        NOT NULL,
    kind              text        NOT NULL,
    title             text,
    settings          jsonb       NOT NULL DEFAULT '{}',
    created_by        uuid,
    direct_user_low   uuid,
    direct_user_high  uuid,
    last_seq          bigint      NOT NULL DEFAULT 0,
    message_count     bigint      NOT NULL DEFAULT 0,
    last_message_at   timestamptz,
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz,
    CONSTRAINT conversations_pkey PRIMARY KEY (id),
    CONSTRAINT conversations_created_by_fkey FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT conversations_direct_user_low_fkey FOREIGN KEY (direct_user_low) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT conversations_direct_user_high_fkey FOREIGN KEY (direct_user_high) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT conversations_settings_object CHECK (jsonb_typeof(settings) = 'object'),
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
CREATE TRIGGER conversations_set_updated_at BEFORE UPDATE ON conversations
    FOR EACH ROW WHEN (NEW.updated_at = OLD.updated_at) EXECUTE FUNCTION confab_set_updated_at();

CREATE TABLE participants (
    conversation_id         uuid        NOT NULL,
    user_id                 uuid        NOT NULL,
    role                    text        NOT NULL DEFAULT 'member',
    joined_at               timestamptz NOT NULL DEFAULT now(),
    joined_seq              bigint      NOT NULL DEFAULT 0,
    left_at                 timestamptz,
    muted_until             timestamptz,
    last_read_seq           bigint      NOT NULL DEFAULT 0,
    last_read_message_count bigint      NOT NULL DEFAULT 0,
    last_delivered_seq      bigint      NOT NULL DEFAULT 0,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT participants_pkey PRIMARY KEY (conversation_id, user_id),
    CONSTRAINT participants_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT participants_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT participants_role_values CHECK (role IN ('owner', 'admin', 'moderator', 'member')),
    CONSTRAINT participants_watermarks CHECK (
        last_read_seq >= 0 AND last_read_message_count >= 0 AND joined_seq >= 0 AND last_delivered_seq >= last_read_seq)
);

CREATE INDEX participants_user_id_idx ON participants (user_id, conversation_id);
CREATE TRIGGER participants_set_updated_at BEFORE UPDATE ON participants
    FOR EACH ROW WHEN (NEW.updated_at = OLD.updated_at) EXECUTE FUNCTION confab_set_updated_at();

-- Messages --------------------------------------------------------------------------------------

-- seq is the conversation event seq of the message's creation; message_number counts messages only.
CREATE TABLE messages (
    id              uuid        NOT NULL,
    conversation_id uuid        NOT NULL,
    seq             bigint      NOT NULL,
    message_number  bigint      NOT NULL,
    sender_id       uuid,
    client_msg_id   text,
    kind            text        NOT NULL DEFAULT 'text',
    body            text,
    ciphertext      bytea,
    reply_to_id     uuid,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    edited_at       timestamptz,
    deleted_at      timestamptz,
    deleted_by      uuid,
    CONSTRAINT messages_pkey PRIMARY KEY (id),
    CONSTRAINT messages_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT messages_sender_id_fkey FOREIGN KEY (sender_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT messages_reply_to_id_fkey FOREIGN KEY (reply_to_id) REFERENCES messages (id) ON DELETE SET NULL,
    CONSTRAINT messages_deleted_by_fkey FOREIGN KEY (deleted_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT messages_seq_range CHECK (seq > 0 AND message_number > 0 AND message_number <= seq),
    CONSTRAINT messages_metadata_object CHECK (jsonb_typeof(metadata) = 'object'),
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
-- Full-text search: words through tsvector ('simple': no stemming, any language with spaces) and
-- substrings (Chinese, Japanese, partial words) through trigrams.
CREATE INDEX messages_body_fts_idx ON messages USING gin (to_tsvector('simple', coalesce(body, ''))) WHERE deleted_at IS NULL;
CREATE INDEX messages_body_trgm_idx ON messages USING gin (body gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE TABLE message_edits (
    message_id          uuid        NOT NULL,
    version             integer     NOT NULL,
    previous_body       text,
    previous_ciphertext bytea,
    edited_by           uuid,
    edited_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT message_edits_pkey PRIMARY KEY (message_id, version),
    CONSTRAINT message_edits_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT message_edits_edited_by_fkey FOREIGN KEY (edited_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT message_edits_version_range CHECK (version > 0),
    CONSTRAINT message_edits_body_length CHECK (previous_body IS NULL OR length(previous_body) <= 10000)
);

CREATE INDEX message_edits_edited_by_idx ON message_edits (edited_by);

CREATE TABLE reactions (
    message_id uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    emoji      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reactions_pkey PRIMARY KEY (message_id, user_id, emoji),
    CONSTRAINT reactions_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT reactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT reactions_emoji_length CHECK (length(emoji) BETWEEN 1 AND 32)
);

CREATE INDEX reactions_user_id_idx ON reactions (user_id);

CREATE TABLE pinned_messages (
    conversation_id uuid        NOT NULL,
    message_id      uuid        NOT NULL,
    pinned_by       uuid,
    pinned_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pinned_messages_pkey PRIMARY KEY (conversation_id, message_id),
    CONSTRAINT pinned_messages_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT pinned_messages_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT pinned_messages_pinned_by_fkey FOREIGN KEY (pinned_by) REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX pinned_messages_message_id_idx ON pinned_messages (message_id);
CREATE INDEX pinned_messages_pinned_by_idx ON pinned_messages (pinned_by);

-- Every conversation-scoped change, with the seq allocated under the conversation's row lock in the
-- transaction of the change: replay after reconnect reads from here.
CREATE TABLE conversation_events (
    conversation_id uuid        NOT NULL,
    seq             bigint      NOT NULL,
    kind            text        NOT NULL,
    actor_id        uuid,
    message_id      uuid,
    payload         jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversation_events_pkey PRIMARY KEY (conversation_id, seq),
    CONSTRAINT conversation_events_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT conversation_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT conversation_events_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT conversation_events_seq_range CHECK (seq > 0),
    CONSTRAINT conversation_events_payload_object CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT conversation_events_kind_values CHECK (kind IN (
        'message.created', 'message.edited', 'message.deleted', 'reaction.added', 'reaction.removed',
        'receipt.read', 'receipt.delivered', 'member.added', 'member.removed', 'member.role_changed',
        'conversation.created', 'conversation.updated', 'conversation.deleted', 'message.pinned', 'message.unpinned'))
);

CREATE INDEX conversation_events_message_id_idx ON conversation_events (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX conversation_events_actor_id_idx ON conversation_events (actor_id) WHERE actor_id IS NOT NULL;

-- User-scoped changes (contact requests, being added to or removed from a conversation, session
-- revocations), numbered per user through users.last_event_seq, so they resume like conversations do.
CREATE TABLE user_events (
    user_id    uuid        NOT NULL,
    seq        bigint      NOT NULL,
    kind       text        NOT NULL,
    payload    jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_events_pkey PRIMARY KEY (user_id, seq),
    CONSTRAINT user_events_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT user_events_seq_range CHECK (seq > 0),
    CONSTRAINT user_events_payload_object CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT user_events_kind_values CHECK (kind IN (
        'contact.requested', 'contact.accepted', 'contact.declined', 'contact.removed', 'contact.blocked', 'contact.unblocked',
        'conversation.joined', 'conversation.left', 'session.revoked', 'profile.updated'))
);

CREATE TABLE attachments (
    id              uuid        NOT NULL,
    uploader_id     uuid,
    conversation_id uuid,
    message_id      uuid,
    file_name       text        NOT NULL,
    content_type    text        NOT NULL,
    size_bytes      bigint      NOT NULL,
    sha256          bytea       NOT NULL,
    storage_key     text        NOT NULL,
    width           integer,
    height          integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
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

-- Audit log: append-only. No foreign keys, so the record of an actor outlives the actor's account.
CREATE TABLE audit_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    actor_id    uuid,
    action      text        NOT NULL,
    target_type text,
    target_id   text,
    ip_address  text,
    user_agent  text,
    severity    text        NOT NULL DEFAULT 'info',
    details     jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_log_pkey PRIMARY KEY (id),
    CONSTRAINT audit_log_action_format CHECK (length(action) BETWEEN 1 AND 100),
    CONSTRAINT audit_log_details_object CHECK (jsonb_typeof(details) = 'object'),
    CONSTRAINT audit_log_severity_values CHECK (severity IN ('info', 'notice', 'warning', 'critical'))
);

CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_action_idx ON audit_log (action, created_at);
CREATE TRIGGER audit_log_reject_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION confab_reject_change();
CREATE TRIGGER audit_log_reject_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION confab_reject_change();
CREATE TRIGGER audit_log_reject_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION confab_reject_change();

-- Views -----------------------------------------------------------------------------------------

CREATE VIEW active_users AS
SELECT u.id, u.username, u.display_name, u.presence, u.last_seen_at,
       (SELECT count(*) FROM auth_sessions s
         WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.rotated_at IS NULL AND s.expires_at > now()) AS session_count
FROM users u
WHERE u.erased_at IS NULL AND u.disabled_at IS NULL;

CREATE VIEW conversation_stats AS
SELECT c.id AS conversation_id, c.kind, c.title, c.last_activity_at,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.deleted_at IS NULL) AS message_count,
       (SELECT count(*) FROM participants p WHERE p.conversation_id = c.id AND p.left_at IS NULL) AS member_count,
       (SELECT count(DISTINCT m.sender_id) FROM messages m
         WHERE m.conversation_id = c.id AND m.created_at > now() - interval '30 days') AS active_member_count
FROM conversations c
WHERE c.deleted_at IS NULL;

CREATE VIEW message_details AS
SELECT m.id, m.conversation_id, m.seq, m.sender_id,
       coalesce(u.display_name, 'Deleted user') AS sender_name,
       m.kind, m.body, m.reply_to_id, m.created_at, m.edited_at, m.deleted_at,
       (SELECT count(*) FROM participants p
         WHERE p.conversation_id = m.conversation_id AND p.left_at IS NULL
           AND p.user_id IS DISTINCT FROM m.sender_id AND p.last_read_seq >= m.seq) AS read_count
FROM messages m
LEFT JOIN users u ON u.id = m.sender_id AND u.erased_at IS NULL;
