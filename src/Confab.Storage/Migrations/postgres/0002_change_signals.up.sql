-- Committed changes are announced to every node on channel 'confab'. NOTIFY is delivered when, and only when,
-- the transaction commits, in commit order, so a node never hears of a change it cannot read yet.
-- Payloads are small; a node reads the change itself from the database:
--   c:<conversation id>:<seq>     a conversation event
--   u:<user id>:<seq>             a user event
--   s:<user id>:<session family>  a session was revoked (logout, revoke, password change, disable, deletion)
-- Bulk loads switch it off for their own transaction with set_config('confab.signals', 'off', true).
CREATE FUNCTION confab_signal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('confab.signals', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'conversation_events' THEN
        PERFORM pg_notify('confab', 'c:' || NEW.conversation_id || ':' || NEW.seq);
    ELSIF TG_TABLE_NAME = 'user_events' THEN
        PERFORM pg_notify('confab', 'u:' || NEW.user_id || ':' || NEW.seq);
    ELSIF TG_TABLE_NAME = 'auth_sessions' THEN
        PERFORM pg_notify('confab', 's:' || NEW.user_id || ':' || NEW.family_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER conversation_events_signal AFTER INSERT ON conversation_events
    FOR EACH ROW EXECUTE FUNCTION confab_signal();
CREATE TRIGGER user_events_signal AFTER INSERT ON user_events
    FOR EACH ROW EXECUTE FUNCTION confab_signal();
CREATE TRIGGER auth_sessions_signal AFTER UPDATE OF revoked_at ON auth_sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) EXECUTE FUNCTION confab_signal();
