import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { PII_CLASSES, ALERT_KINDS } from '../types.js';
import { closest } from '../text.js';
import { alertsConfigSchema } from './alerts.js';
import { detectionConfigSchema } from './detection.js';
import { piiConfigSchema } from './pii.js';
import { checkVendorRegister, vendorRegisterFields } from './register.js';

/** A class name's syntax; whether it is known (built-in or `pii.custom_classes`) is checked with the whole config. */
const piiClassSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "class names are lowercase letters, digits and '_'");

const runbookOverridesSchema = z
  .record(z.string(), z.string().url())
  .superRefine((value, ctx) => {
    for (const kind of Object.keys(value)) {
      if ((ALERT_KINDS as readonly string[]).includes(kind)) continue;
      const hint = closest(kind, ALERT_KINDS);
      ctx.addIssue({
        code: 'custom',
        path: [kind],
        message: `unknown alert kind '${kind}'${hint ? ` — did you mean '${hint}'?` : ''}`,
      });
    }
  });

const vendorSchema = z
  .object({
    /** Host patterns: `api.stripe.com`, `*.stripe.com`, optionally with `:port`. */
    hosts: z.array(z.string().min(1)).default([]),
    /** PII classes this vendor may receive; anything else is a policy violation. */
    allow_pii: z.array(piiClassSchema).default([]),
    /** Runbook URL per alert kind, overriding the bundled runbooks for this vendor. */
    runbooks: runbookOverridesSchema.default({}),
    // The privacy register (owner, purpose, legal_basis, dpa, region, …) and max_tier: common/config/register.ts.
    ...vendorRegisterFields,
  })
  .strict()
  .superRefine((entry, ctx) => checkVendorRegister(entry, ctx));

const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** `clickhouse.embedded_memory`: see EngineMemoryOptions in storage/engine-settings.ts for each default and why. */
const embeddedMemorySchema = z
  .object({
    /** Marks read by every query; default 64 MiB. */
    mark_cache_bytes: bytes.optional(),
    /** Primary indexes kept in the cache; default 64 MiB. */
    primary_index_cache_bytes: bytes.optional(),
    /** Marks of data-skipping indexes; default 16 MiB. */
    index_mark_cache_bytes: bytes.optional(),
    /** Decompressed blocks; default 0 (off). */
    uncompressed_cache_bytes: bytes.optional(),
    /** Granules that matched filters before; default 16 MiB. */
    query_condition_cache_bytes: bytes.optional(),
    /** Compiled expressions; default 16 MiB. */
    compiled_expression_cache_bytes: bytes.optional(),
    /** New background merges wait while merges hold this much; default 256 MiB. */
    merges_memory_bytes: bytes.optional(),
    /** Hard limit on the engine's tracked memory (queries past it fail); default 0, the engine's own. */
    max_memory_bytes: bytes.optional(),
    /** How long the engine's allocator keeps freed pages, ms; default 1000 (-1: never gives them back). */
    allocator_dirty_decay_ms: z.number().int().min(-1).max(3_600_000).optional(),
    /** Per-thread caches in the engine's allocator; default false (less memory held, ClickHouse: true). */
    allocator_thread_caches: z.boolean().optional(),
  })
  .strict();

const configSchema = z
  .object({
    /** Where the embedded store, Redis data and the instance file live. */
    data_dir: z.string().min(1).default('.egresswatch'),
    clickhouse: z
      .object({
        /** Unset: embedded chDB under data_dir. Set: a ClickHouse server, e.g. http://localhost:8123. */
        url: z.string().url().optional(),
        database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('default'),
        username: z.string().optional(),
        password: z.string().optional(),
        /** fsync each inserted part: survives a machine crash, not only a process crash. */
        fsync_after_insert: z.boolean().default(false),
        /**
         * Memory bounds of the embedded engine, in bytes (a ClickHouse server has its own config).
         * Unset keys keep storage/engine-settings.ts's defaults; 0 for the limits is the engine's own.
         */
        embedded_memory: embeddedMemorySchema.default({}),
      })
      .strict()
      .default({ database: 'default', fsync_after_insert: false, embedded_memory: {} }),
    /** Raw spans are kept this many days (egress_spans TTL). */
    retention_days: z.number().int().min(1).max(3650).default(30),
    collector: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4318),
        /** Bearer tokens accepted on /v1/traces. None: loopback only. */
        ingest_tokens: z.array(z.string().min(16, 'tokens must be at least 16 characters')).default([]),
        /** Largest request body as sent (possibly gzip), in bytes. */
        max_body_bytes: z.number().int().min(1024).default(8 * 1024 * 1024),
        /** Largest body after decompression, in bytes (gzip bombs stop here). */
        max_decompressed_bytes: z.number().int().min(1024).default(64 * 1024 * 1024),
        /**
         * Spans per insert, at most. Below what exporters usually keep in flight, so one batch is
         * decoded while the previous one is inserted (8 192 made the two take turns).
         */
        max_batch_spans: z.number().int().min(1).max(1_000_000).default(4_096),
        /** A partial batch is written after this long. */
        flush_interval_ms: z.number().int().min(1).max(60_000).default(100),
        /** Spans waiting for insert, at most; beyond it requests get 429. */
        max_queue_spans: z.number().int().min(1).max(10_000_000).default(200_000),
        /** One insert may take this long before it counts as failed. */
        insert_timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
        /** Hosts whose calls are not egress (internal services), same patterns as vendors. */
        ignore_hosts: z.array(z.string().min(1)).default([]),
        /** Request bodies held in memory at once, in bytes; beyond it requests get 429 before their body is read. */
        max_inflight_bytes: z.number().int().min(1024).default(64 * 1024 * 1024),
        /** Open connections at most; more are closed as they arrive (keep it below `ulimit -n`). */
        max_connections: z.number().int().min(1).max(1_000_000).default(512),
        /** Headers and body must arrive within this; slower senders get 408 and are disconnected. */
        request_timeout_ms: z.number().int().min(100).max(3_600_000).default(30_000),
        /** Headers must arrive within this; at most request_timeout_ms. */
        headers_timeout_ms: z.number().int().min(100).max(3_600_000).default(10_000),
        /** An idle keep-alive connection is closed after this. */
        keep_alive_timeout_ms: z.number().int().min(100).max(3_600_000).default(72_000),
        /** A connection silent both ways this long is closed; above insert_timeout_ms. */
        connection_timeout_ms: z.number().int().min(1000).max(3_600_000).default(120_000),
      })
      .strict()
      .default({
        host: '127.0.0.1',
        port: 4318,
        ingest_tokens: [],
        max_body_bytes: 8 * 1024 * 1024,
        max_decompressed_bytes: 64 * 1024 * 1024,
        max_batch_spans: 4_096,
        flush_interval_ms: 100,
        max_queue_spans: 200_000,
        insert_timeout_ms: 30_000,
        ignore_hosts: [],
        max_inflight_bytes: 64 * 1024 * 1024,
        max_connections: 512,
        request_timeout_ms: 30_000,
        headers_timeout_ms: 10_000,
        keep_alive_timeout_ms: 72_000,
        connection_timeout_ms: 120_000,
      }),
    redis: z
      .object({
        /** Unset: spawn redis-server from PATH (embedded), else in-process jobs. */
        url: z.string().url().optional(),
      })
      .strict()
      .default({}),
    /**
     * Cardinality budgets: what one collector process stores at most, whatever is sent. Past them
     * a host, route or field name is stored as `{over_budget}` (calls and PII classes still count);
     * a `cardinality_budget` alert fires for the vendor's routes and fields.
     */
    budgets: z
      .object({
        /** Distinct routes per vendor. */
        routes_per_vendor: z.number().int().min(1).max(100_000).default(500),
        /** Distinct field and PII entries per (vendor, route), request and response together. */
        fields_per_route: z.number().int().min(1).max(100_000).default(1_000),
        /** Distinct hosts per vendor (buckets, tenants, regions: real vendors use dozens, rarely hundreds). */
        hosts_per_vendor: z.number().int().min(1).max(100_000).default(1_000),
      })
      .strict()
      .default({ routes_per_vendor: 500, fields_per_route: 1_000, hosts_per_vendor: 1_000 }),
    vendors: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'vendor ids are lowercase: a-z 0-9 . _ -'), vendorSchema).default({}),
    /** Sensitivity tiers of PII classes (common/pii-tiers.ts): what needs an allow_pii, how severe a leak is. */
    pii: piiConfigSchema,
    detection: detectionConfigSchema,
    alerts: alertsConfigSchema,
  })
  .strict()
  // allow_pii may name the built-in classes and the ones declared in pii.custom_classes.
  .superRefine((config, ctx) => {
    const known = [...PII_CLASSES, ...config.pii.custom_classes];
    for (const [vendor, v] of Object.entries(config.vendors)) {
      v.allow_pii.forEach((name, i) => {
        if (known.includes(name)) return;
        const hint = closest(name, known);
        ctx.addIssue({
          code: 'custom',
          path: ['vendors', vendor, 'allow_pii', i],
          message: `unknown class '${name}'${hint ? ` — did you mean '${hint}'?` : ''} (known: ${known.join(', ')}; declare your own in pii.custom_classes)`,
        });
      });
    }
  });

/** The validated configuration; YAML's snake_case keys as they are. */
export type Config = z.infer<typeof configSchema>;
export type VendorConfig = z.infer<typeof vendorSchema>;

export interface LoadConfigOptions {
  /** Path to the YAML file; default `egresswatch.yaml` in the working directory if it exists. */
  file?: string | undefined;
  /** Environment to read overrides from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads egresswatch.yaml (optional), applies env overrides and validates the result.
 * Throws a ConfigError whose message has one line per problem, each naming the key.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const explicit = options.file ?? env['EGRESSWATCH_CONFIG'];
  const file = resolve(explicit ?? 'egresswatch.yaml');
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = parseYaml(readFileSync(file, 'utf8')) ?? {};
    } catch (err) {
      throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ConfigError(`${file}: the top level must be a mapping of keys (data_dir, collector, vendors, …)`);
    }
  } else if (explicit) {
    throw new ConfigError(`config file ${file} does not exist`);
  }
  return parseConfig(applyEnv(raw as Record<string, unknown>, env), existsSync(file) ? file : 'configuration');
}

/** Validates an already-parsed config object (tests, API). */
export function parseConfig(raw: unknown, source = 'configuration'): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${source}: ${formatPath(issue.path)}: ${issue.message}`);
  throw new ConfigError(lines.join('\n'));
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const section = (key: string): Record<string, unknown> => {
    const current = out[key];
    const copy = typeof current === 'object' && current !== null ? { ...(current as Record<string, unknown>) } : {};
    out[key] = copy;
    return copy;
  };
  if (env['EGRESSWATCH_DATA_DIR']) out['data_dir'] = env['EGRESSWATCH_DATA_DIR'];
  if (env['EGRESSWATCH_CLICKHOUSE_URL']) section('clickhouse')['url'] = env['EGRESSWATCH_CLICKHOUSE_URL'];
  if (env['EGRESSWATCH_CLICKHOUSE_USER']) section('clickhouse')['username'] = env['EGRESSWATCH_CLICKHOUSE_USER'];
  if (env['EGRESSWATCH_CLICKHOUSE_PASSWORD']) section('clickhouse')['password'] = env['EGRESSWATCH_CLICKHOUSE_PASSWORD'];
  if (env['REDIS_URL']) section('redis')['url'] = env['REDIS_URL'];
  if (env['EGRESSWATCH_INGEST_TOKENS']) {
    section('collector')['ingest_tokens'] = env['EGRESSWATCH_INGEST_TOKENS'].split(',').map((t) => t.trim()).filter(Boolean);
  }
  if (env['EGRESSWATCH_RUNBOOK_BASE_URL']) section('alerts')['runbook_base_url'] = env['EGRESSWATCH_RUNBOOK_BASE_URL'];
  if (env['EGRESSWATCH_DASHBOARD_URL_TEMPLATE']) section('alerts')['dashboard_url_template'] = env['EGRESSWATCH_DASHBOARD_URL_TEMPLATE'];
  if (env['EGRESSWATCH_EXTERNAL_URL']) section('alerts')['external_url'] = env['EGRESSWATCH_EXTERNAL_URL'];
  if (env['EGRESSWATCH_HOST']) section('collector')['host'] = env['EGRESSWATCH_HOST'];
  if (env['EGRESSWATCH_PORT']) {
    const port = Number(env['EGRESSWATCH_PORT']);
    section('collector')['port'] = Number.isInteger(port) ? port : env['EGRESSWATCH_PORT'];
  }
  return out;
}
