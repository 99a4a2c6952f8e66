-- The two PostgreSQL roles of a liuhen installation. Run once, as a superuser, in the liuhen
-- database before the first start:  psql -d liuhen -f infra/deploy/postgres-roles.sql
-- then give each role a password (\password liuhen_owner, \password liuhen_server) and set
--   LIUHEN_DATABASE_OWNER_URL=postgres://liuhen_owner:…@host/liuhen   (migrates, owns the tables)
--   LIUHEN_DATABASE_URL=postgres://liuhen_server:…@host/liuhen        (everything else)
--
-- Why two: only a table's owner may ALTER, DROP or TRUNCATE it, or ALTER TABLE … DISABLE TRIGGER.
-- A server that owned its tables could switch off the append-only triggers of the audit and the
-- ledger and rewrite them; the server role owns nothing, so a compromised server cannot.

CREATE ROLE liuhen_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE liuhen_server LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;

-- Only the owner creates objects; the server role may use what is there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO liuhen_owner;
GRANT USAGE ON SCHEMA public TO liuhen_server;

-- Every table and sequence the owner makes, now or in a later migration, can be read and added to.
-- UPDATE and DELETE are granted per table and column by the owner after each migration
-- (server/db/server-grants.ts): default privileges cannot name the columns of tables not made yet.
-- The server role is never granted TRUNCATE, nor UPDATE or DELETE on audit_events, ledger_entries,
-- gap_notes, case_annotations, case_archived_links, redacted_segments, nor DELETE on recordings.
ALTER DEFAULT PRIVILEGES FOR ROLE liuhen_owner IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO liuhen_server;
ALTER DEFAULT PRIVILEGES FOR ROLE liuhen_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO liuhen_server;
