-- SQLite stamps PRAGMA application_id 0x424F5846 ("BOXF") here. PostgreSQL
-- has no such field: a database is known as boxoffice's by its
-- boxoffice_schema table (made before step 1, one row per step applied; the
-- row for this step is the mark), whose comment says so for a human reader.
COMMENT ON TABLE boxoffice_schema IS 'boxoffice (application_id 0x424F5846): the schema steps applied, one row each';
