-- Berth schema for the Orleans 10.4 ADO.NET providers on PostgreSQL (15 or later).
-- Every Orleans provider loads the SQL it runs from this table, by QueryKey, once at
-- start-up; the later scripts upsert their rows here. Safe to run again at any time.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    -- text, not a bounded varchar: the query texts carry comments and must never be cut.
    QueryText text        NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
