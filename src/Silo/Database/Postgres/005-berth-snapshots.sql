-- Berth's own table: tenant state snapshots for the "postgres" sink. Safe to run again.
CREATE TABLE IF NOT EXISTS berth_snapshots
(
    tenant_id   varchar(128) NOT NULL,
    workload    varchar(63)  NOT NULL,
    snapshot_id varchar(64)  NOT NULL,
    content     bytea        NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, workload, snapshot_id)
);
