-- Stamps the file as boxoffice's: application_id 0x424F5846 ("BOXF", the
-- constant store::migrate::APPLICATION_ID). From here on a file is ours when
-- it carries this mark; a version-1 file (unmarked, user_version 1, our tables)
-- gets it here.
PRAGMA application_id = 1112496198;
