import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../../common/package-root.js';
import { COMMANDS } from '../../../cli/registry.js';

// Docker cannot run here, so compose.yaml and the Dockerfile are checked for the mistakes that
// would only show at `docker compose up`: missing files, env vars nobody reads, ports that do
// not meet, roles the CLI does not have.

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const root = packageRoot();
const compose = parseYaml(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const egresswatchServices = Object.entries(services).filter(([, s]) => s.image === 'egresswatch:local');

/** Every `env['NAME']` / `process.env.NAME` the shipped TypeScript reads (tests excluded). */
function envNamesReadBySource(): Set<string> {
  const names = new Set<string>();
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include: string[] };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/env(?:\[['"]([A-Z][A-Z0-9_]*)['"]\]|\.([A-Z][A-Z0-9_]*))/g)) names.add((m[1] ?? m[2])!);
      }
    }
  };
  for (const dir of tsconfig.include) if (existsSync(join(root, dir))) walk(join(root, dir));
  return names;
}

/** `${VAR:-default}` → default, `${VAR:?msg}` → undefined (required), plain → itself. */
function composeDefault(value: string): string | undefined {
  const m = /^\$\{(\w+)(:?[-?])([^}]*)\}$/.exec(value);
  if (!m) return value;
  return m[2]!.endsWith('-') ? m[3] : undefined;
}

describe('compose.yaml', () => {
  it('runs the scale-out shape: clickhouse, redis, collector, worker, grafana', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['clickhouse', 'redis', 'collector', 'worker', 'grafana']));
    expect(services['clickhouse']!.image).toMatch(/^clickhouse\/clickhouse-server:/);
    expect(services['redis']!.image).toMatch(/^redis:/);
    expect(services['grafana']!.environment!['GF_INSTALL_PLUGINS']).toContain('grafana-clickhouse-datasource');
    expect(services['collector']!.build).toBe('.');
  });

  it('starts egresswatch roles the CLI has', () => {
    expect(egresswatchServices.map(([name]) => name).sort()).toEqual(['collector', 'worker']);
    for (const [name, s] of egresswatchServices) {
      const role = s.command?.[0];
      expect(role, name).toBe(name);
      expect(Object.keys(COMMANDS), `egresswatch ${role} (compose service ${name})`).toContain(role);
    }
  });

  it('passes only env vars egresswatch reads, and the ones each role needs', () => {
    const read = envNamesReadBySource();
    for (const [name, s] of egresswatchServices) {
      for (const key of Object.keys(s.environment ?? {})) expect(read, `${name}: ${key} is read by no source file`).toContain(key);
      const env = s.environment!;
      expect(env['EGRESSWATCH_CLICKHOUSE_URL'], name).toBe('http://clickhouse:8123');
      expect(env['REDIS_URL'], name).toBe('redis://redis:6379');
    }
    const collector = services['collector']!.environment!;
    expect(collector['EGRESSWATCH_HOST']).toBe('0.0.0.0');
    // Required: compose refuses to start without tokens rather than the collector failing later.
    expect(composeDefault(collector['EGRESSWATCH_INGEST_TOKENS']!)).toBeUndefined();
    const worker = services['worker']!.environment!;
    for (const key of ['SLACK_WEBHOOK_URL', 'PAGERDUTY_ROUTING_KEY', 'PAGERDUTY_EVENTS_URL', 'EGRESSWATCH_WEBHOOK_URL']) expect(Object.keys(worker)).toContain(key);
    // The store credentials are the ones the clickhouse service creates.
    const ch = services['clickhouse']!.environment!;
    expect(collector['EGRESSWATCH_CLICKHOUSE_USER']).toBe(ch['CLICKHOUSE_USER']);
    expect(collector['EGRESSWATCH_CLICKHOUSE_PASSWORD']).toBe(ch['CLICKHOUSE_PASSWORD']);
  });

  it('mounts only paths that exist in the repo and declares its named volumes', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(join(root, source)), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: named volume ${source}`).toContain(source);
      }
    }
  });

  it('lines the ports up: published, listened on, health-checked, scraped, connected to', () => {
    const collector = services['collector']!;
    const port = collector.environment!['EGRESSWATCH_PORT']!;
    expect(collector.ports).toContain(`${port}:${port}`);
    expect(collector.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${port}/readyz`);
    const prometheus = readFileSync(join(root, 'dashboards/prometheus/prometheus.yml'), 'utf8');
    const scrape = (parseYaml(prometheus) as { scrape_configs: Array<{ dns_sd_configs: Array<{ names: string[]; port: number }> }> }).scrape_configs[0]!.dns_sd_configs[0]!;
    expect(scrape).toMatchObject({ names: ['collector'], port: Number(port) });

    const chPort = new URL(collector.environment!['EGRESSWATCH_CLICKHOUSE_URL']!).port;
    expect(services['clickhouse']!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${chPort}/ping`);
    const datasource = parseYaml(readFileSync(join(root, 'dashboards/grafana/provisioning/datasources/clickhouse.yaml'), 'utf8')) as {
      datasources: Array<{ jsonData: { host: string; port: number; protocol: string; username: string } }>;
    };
    const ds = datasource.datasources[0]!.jsonData;
    expect(ds).toMatchObject({ protocol: 'http', port: Number(chPort) });
    const grafanaEnv = services['grafana']!.environment!;
    // The provisioning file takes host and user from the grafana service's environment.
    expect(grafanaEnv[ds.host.replace(/^\$\{(\w+)\}$/, '$1')]).toBe('clickhouse');
    expect(grafanaEnv[ds.username.replace(/^\$\{(\w+)\}$/, '$1')]).toBe('grafana');
    expect(new URL(grafanaEnv['EGRESSWATCH_GRAFANA_PROMETHEUS_URL']!).hostname).toBe('prometheus');
  });

  it('waits for healthy dependencies, and each has a healthcheck', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${dep} (needed healthy by ${name})`).toBeDefined();
      }
    }
    expect(Object.keys(services['collector']!.depends_on!)).toEqual(expect.arrayContaining(['clickhouse', 'redis']));
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('builds on node:20-slim with npm ci and runs the CLI', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/egresswatch\.js"\]$/m);
  });

  it('copies every folder the build compiles before npm ci runs tsc', () => {
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const copied = [...dockerfile.matchAll(/^COPY (\S+) \.\/\S*$/gm)].map((m) => m[1]);
    for (const dir of ['bin', ...tsconfig.include]) expect(copied, `COPY ${dir}`).toContain(dir);
    for (const dir of copied) expect(existsSync(join(root, dir!)), `${dir} exists`).toBe(true);
    expect(dockerfile.indexOf('COPY cli ./cli')).toBeLessThan(dockerfile.indexOf('RUN npm ci'));
  });
});
