DROP INDEX users_uploaded_avatar_idx;
