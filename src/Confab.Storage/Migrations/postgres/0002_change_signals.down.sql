DROP TRIGGER auth_sessions_signal ON auth_sessions;
DROP TRIGGER user_events_signal ON user_events;
DROP TRIGGER conversation_events_signal ON conversation_events;
DROP FUNCTION confab_signal();
