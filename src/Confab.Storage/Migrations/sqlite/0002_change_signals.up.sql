-- SQLite serves one node, so its change signals never leave the process: the server adds the same three
-- triggers as TEMP triggers on its writer connection (see SqliteDatabase.EnableSignals), where they call a
-- function only that process defines. Nothing is stored, so other tools can keep writing to the file.
SELECT 1;
