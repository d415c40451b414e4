// The baseline of the raw-to-parquet benchmark: DuckDB (@duckdb/node-api, 2
// threads) converting one raw date of NDJSON with the same dedup and order to
// Parquet zstd. Usage: node bench/duckdb_raw_to_parquet.mjs <raw date dir> <out.parquet> [threads]
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(root, 'tests/node/package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));

const [dir, out, threads = '2'] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: duckdb_raw_to_parquet.mjs <raw date dir> <out.parquet> [threads]');
  process.exit(2);
}
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const instance = await DuckDBInstance.create(':memory:', { threads });
const conn = await instance.connect();
// Same rules as evpipe: complete *.ndjson files only; keep the earliest
// ingest_time per event_id (then the first file by name); order by (event_time, event_id).
await conn.run(`
  COPY (
    SELECT event_id, event_type, schema_version, event_time, ingest_time, tenant_id, user_id, session_id,
           source_system, environment, record_source, payload, checksum
    FROM read_json(${q(path.join(dir, '[!.]*.ndjson'))}, format = 'newline_delimited', filename = true,
                   columns = {event_id: 'VARCHAR', event_type: 'VARCHAR', schema_version: 'INTEGER',
                              event_time: 'TIMESTAMPTZ', ingest_time: 'TIMESTAMPTZ', tenant_id: 'VARCHAR',
                              user_id: 'VARCHAR', session_id: 'VARCHAR', source_system: 'VARCHAR',
                              environment: 'VARCHAR', record_source: 'VARCHAR', payload: 'JSON',
                              checksum: 'VARCHAR'})
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ingest_time, filename) = 1
    ORDER BY event_time, event_id
  ) TO ${q(out)} (FORMAT parquet, COMPRESSION zstd)`);
conn.closeSync?.();
