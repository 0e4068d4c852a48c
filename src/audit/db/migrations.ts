// The PostgreSQL schema of the shared audit store, as numbered migrations applied in order by `sluice db migrate`
// (and checked, never applied, by a starting gateway). `{t}` is the configured table name (validated identifier).
// docs/audit-postgres.md documents every column and index.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'audit records partitioned by day, checkpoints, partition helpers',
    sql: `
CREATE TABLE {t} (
  instance   text        NOT NULL,
  seq        bigint      NOT NULL,
  time       timestamptz NOT NULL,
  kind       text        NOT NULL,
  subject    text,
  job        text,
  session    text,
  decision   text,
  detectors  text[]      NOT NULL DEFAULT '{}',
  model      text,
  status     integer,
  request_id text,
  prev       text        NOT NULL,
  hash       text        NOT NULL,
  line       text        NOT NULL,
  shipped_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instance, seq, time)
) PARTITION BY RANGE (time);
CREATE INDEX {t}_subject_time ON {t} (subject, time);
CREATE INDEX {t}_job_time ON {t} (job, time);
CREATE INDEX {t}_session_time ON {t} (session, time);
CREATE INDEX {t}_decision_time ON {t} (decision, time);
CREATE INDEX {t}_time ON {t} (time);
CREATE INDEX {t}_detectors ON {t} USING gin (detectors);

CREATE TABLE {t}_checkpoints (
  instance    text        NOT NULL,
  seq         bigint      NOT NULL,
  time        timestamptz NOT NULL,
  signed_seq  bigint      NOT NULL,
  signed_hash text        NOT NULL,
  kid         text        NOT NULL,
  jws         text        NOT NULL,
  PRIMARY KEY (instance, seq)
);

-- One partition per UTC day, created on demand by the shippers; the advisory lock serialises concurrent creators.
CREATE FUNCTION {t}_ensure_day(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE part text := '{t}_' || to_char(day, 'YYYYMMDD');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('{t}_partitions'));
  IF to_regclass(part) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF {t} FOR VALUES FROM (%L) TO (%L)', part, day, day + 1);
  END IF;
END $$;

-- Retention: drops whole days older than keep_days (a partition drop, not a row-by-row delete).
CREATE FUNCTION {t}_drop_before(cutoff date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE r record; n integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('{t}_partitions'));
  FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = '{t}'::regclass AND c.relname ~ '^{t}_[0-9]{8}$'
             AND to_date(right(c.relname, 8), 'YYYYMMDD') < cutoff LOOP
    EXECUTE format('DROP TABLE %I', r.relname);
    n := n + 1;
  END LOOP;
  DELETE FROM {t}_checkpoints WHERE time < cutoff;
  RETURN n;
END $$;
`,
  },
]);

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The SQL of one migration for a table name (already validated by `tableName`). */
export function migrationSql(m: Migration, table: string): string {
  return m.sql.replaceAll('{t}', table);
}

const IDENT = /^[a-z_][a-z0-9_]{0,39}$/;

/** Table names are spliced into SQL (identifiers cannot be bound), so only plain lower-case identifiers pass. */
export function tableName(name: string): string {
  if (!IDENT.test(name)) throw new Error(`audit table name "${name}" must match ${IDENT.source}`);
  return name;
}
