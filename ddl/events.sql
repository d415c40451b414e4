-- evpipe: warehouse tables over the Parquet files that `evpipe raw-to-parquet` writes:
--   PARQUET_DIR/<topic>/ingest_date=YYYY-MM-DD/part-NNNNN-<run>.parquet
-- (evpipe also commits them as an Iceberg table in PARQUET_DIR/<topic> itself:
-- docs/formats/iceberg.md; this file is for your own catalog or Snowflake).
-- The columns and types mirror the writer's schema (src/evpipe/jobs/event_columns.h,
-- the source of truth); tests/integration/raw_to_parquet/ddl_test.cc and
-- tests/iceberg/ddl_dialect_test.py (sqlglot) fail when they drift, and
-- tests/iceberg/spark_test.py runs the Iceberg half in Spark. ingest_date is not
-- stored in the files: it is the partition, read from the path.
--
-- Timestamps: the files hold INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), i.e.
-- instants. In Iceberg that is `timestamptz`; Spark SQL's TIMESTAMP type *is*
-- timestamp-with-local-time-zone and maps to Iceberg timestamptz (TIMESTAMP_NTZ
-- would map to Iceberg `timestamp`, without zone, which is not what the files hold).
-- In Snowflake the matching type is TIMESTAMP_TZ (an instant with its offset, here +00:00).

-- =============================================================================
-- Iceberg (Spark SQL, Iceberg runtime >= 1.2)
-- =============================================================================
CREATE TABLE IF NOT EXISTS evpipe.events (
  event_id        STRING    NOT NULL COMMENT 'unique per event (UUID text); duplicates removed per ingest_date',
  event_type      STRING    NOT NULL COMMENT 'order_created, payment_authorized, ...',
  schema_version  INT       NOT NULL COMMENT 'event schema version (1)',
  event_time      TIMESTAMP NOT NULL COMMENT 'when it happened (Iceberg timestamptz, microseconds, UTC)',
  ingest_time     TIMESTAMP NOT NULL COMMENT 'when it entered the pipeline (Iceberg timestamptz); decides ingest_date',
  tenant_id       STRING             COMMENT 'context',
  user_id         STRING             COMMENT 'context',
  session_id      STRING             COMMENT 'context',
  source_system   STRING             COMMENT 'lineage',
  environment     STRING             COMMENT 'lineage',
  record_source   STRING             COMMENT 'lineage',
  payload         STRING    NOT NULL COMMENT 'the payload JSON text, byte for byte as received: sha2(payload, 256) = checksum',
  checksum        STRING             COMMENT 'lowercase hex SHA-256 of payload',
  ingest_date     DATE      NOT NULL COMMENT 'partition: UTC date of ingest_time (the ingest_date=YYYY-MM-DD directory)'
)
USING iceberg
PARTITIONED BY (ingest_date)
TBLPROPERTIES (
  'format-version' = '2',
  'write.format.default' = 'parquet',
  'write.parquet.compression-codec' = 'zstd'
);

-- Register the files evpipe wrote without rewriting them (run with this table's
-- Iceberg catalog as the current one: spark.sql.defaultCatalog, or USE <catalog>).
-- add_files reads the partition value from each ingest_date=... directory (names
-- starting with _ or ., such as _evpipe/, are skipped) and keeps the Iceberg field
-- ids our files carry. Point it at PARQUET_DIR/<topic>/data when evpipe also
-- committed its own table there (that directory holds only the date directories;
-- metadata/ beside them is not Parquet), or at PARQUET_DIR/<topic> after
-- `raw-to-parquet --no-iceberg`. tests/iceberg/spark_test.py runs this statement.
-- After `evpipe raw-to-parquet` replaced a date, delete it and add it again:
--   DELETE FROM evpipe.events WHERE ingest_date = DATE'2026-02-05';
--   CALL system.add_files(..., partition_filter => map('ingest_date', '2026-02-05'));
-- CALL system.add_files(
--   table => 'evpipe.events',
--   source_table => '`parquet`.`/path/to/data/parquet/events/data`');

-- =============================================================================
-- Snowflake
-- =============================================================================
CREATE FILE FORMAT IF NOT EXISTS evpipe_parquet
  TYPE = PARQUET
  USE_LOGICAL_TYPE = TRUE      -- TIMESTAMP(MICROS, UTC) loads as a timestamp, not a number
  BINARY_AS_TEXT = TRUE;       -- STRING columns are UTF-8 text

-- An internal stage; upload one date with (SnowSQL):
--   PUT file://data/parquet/events/ingest_date=2026-02-05/part-*.parquet
--       @evpipe_stage/events/ingest_date=2026-02-05/ AUTO_COMPRESS = FALSE;
-- or point URL = 's3://bucket/parquet/' at a copy of PARQUET_DIR (same layout).
CREATE STAGE IF NOT EXISTS evpipe_stage
  FILE_FORMAT = evpipe_parquet;

CREATE TABLE IF NOT EXISTS events (
  event_id        VARCHAR          NOT NULL,
  event_type      VARCHAR          NOT NULL,
  schema_version  INTEGER          NOT NULL,
  event_time      TIMESTAMP_TZ(6)  NOT NULL,
  ingest_time     TIMESTAMP_TZ(6)  NOT NULL,
  tenant_id       VARCHAR,
  user_id         VARCHAR,
  session_id      VARCHAR,
  source_system   VARCHAR,
  environment     VARCHAR,
  record_source   VARCHAR,
  payload         VARCHAR          NOT NULL,  -- JSON text: SHA2(payload, 256) = checksum; PARSE_JSON(payload) for a VARIANT
  checksum        VARCHAR,
  source_file     VARCHAR          NOT NULL,  -- METADATA$FILENAME, set by COPY INCLUDE_METADATA
  ingest_date     DATE AS (TO_DATE(REGEXP_SUBSTR(source_file, 'ingest_date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1)))
);

-- Loads every part file of the date directories (part-NNNNN-<run>.parquet; not
-- events/data/..., the Iceberg table's links to the same files, nor _evpipe/).
-- COPY remembers loaded files for 64 days; after `evpipe raw-to-parquet` replaced a date, reload it with
--   DELETE FROM events WHERE ingest_date = '2026-02-05';
--   COPY INTO events FROM @evpipe_stage/events/ingest_date=2026-02-05/ ... FORCE = TRUE;
COPY INTO events
  FROM @evpipe_stage/events/
  FILE_FORMAT = (FORMAT_NAME = 'evpipe_parquet')
  PATTERN = '(.*/)?events/ingest_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/part-[0-9]+-[^/]+[.]parquet'
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
  INCLUDE_METADATA = (source_file = METADATA$FILENAME)
  ON_ERROR = ABORT_STATEMENT;
