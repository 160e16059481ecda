import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../../common/package-root.js';
import { loadConfig, parseConfig } from '../../../common/config/index.js';
import { alertLinks } from '../../../alerts/links.js';
import { COMMANDS } from '../../../cli/registry.js';
import { VENDOR_QUEUE } from '../../../app/worker-role.js';

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
const composeText = readFileSync(join(root, 'compose.yaml'), 'utf8');
const compose = parseYaml(composeText, { merge: true }) as {
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

/** Names that hold a credential: their values must never be written into compose.yaml. */
const SECRET_NAME = /PASSWORD|TOKEN|SECRET|ROUTING_KEY|_AUTH$/;
/** The credentials compose cannot run without: each must be set, or compose refuses to start. */
const REQUIRED_SECRETS = ['CLICKHOUSE_PASSWORD', 'GRAFANA_CLICKHOUSE_PASSWORD', 'GRAFANA_ADMIN_PASSWORD', 'REDIS_PASSWORD', 'EGRESSWATCH_INGEST_TOKENS'];

/** Every `${NAME…}` interpolation in compose.yaml: the variable and what follows its name. */
function interpolations(): Array<{ name: string; rest: string }> {
  return [...composeText.matchAll(/\$\{(\w+)([^}]*)\}/g)].map((m) => ({ name: m[1]!, rest: m[2]! }));
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
      expect(new URL(env['REDIS_URL']!.replace(/\$\{[^}]*\}/, 'password')).host, name).toBe('redis:6379');
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
    expect(collector.ports).toContain(`\${EGRESSWATCH_BIND:-127.0.0.1}:${port}:${port}`);
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
    expect(grafanaEnv[ds.username.replace(/^\$\{(\w+)\}$/, '$1')]).toBe(readerUser().name);
    expect(new URL(grafanaEnv['EGRESSWATCH_GRAFANA_PROMETHEUS_URL']!).hostname).toBe('prometheus');
  });

  it('gives collector and worker the same external URL, on the published collector port, for alert links', () => {
    const collector = services['collector']!;
    const urls = egresswatchServices.map(([name, s]) => [name, s.environment!['EGRESSWATCH_EXTERNAL_URL']] as const);
    for (const [name, url] of urls) expect(url, `${name}: EGRESSWATCH_EXTERNAL_URL`).toMatch(/^\$\{EGRESSWATCH_EXTERNAL_URL:-[^}]+\}$/);
    expect(new Set(urls.map(([, url]) => url)).size, 'one external URL for every role').toBe(1);
    // Unset, the default is the collector as published: the host port of `${EGRESSWATCH_BIND:-127.0.0.1}:4318:4318`.
    const external = new URL(composeDefault(urls[0]![1]!)!);
    const [bindDefault, hostPort] = /^\$\{EGRESSWATCH_BIND:-([^}]+)\}:(\d+):\d+$/.exec(collector.ports![0]!)!.slice(1);
    expect(external.hostname).toBe(bindDefault);
    expect(external.port).toBe(hostPort);
    // What the roles make of it: links to the collector's runbooks, not to the address inside the container.
    const config = loadConfig({ env: { EGRESSWATCH_EXTERNAL_URL: composeDefault(urls[0]![1]!), EGRESSWATCH_HOST: '0.0.0.0' } });
    expect(alertLinks(config).runbookUrl('stripe', 'volume_spike')).toBe(`http://${bindDefault}:${hostPort}/runbooks/volume_spike`);
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

  it('health-checks every service, the worker by its BullMQ connection to Redis', () => {
    // Every service here runs until stopped (restart: unless-stopped), so each needs one.
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck?.test.length, `${name}: healthcheck`).toBeGreaterThan(1);
      expect((s as { restart?: string }).restart, name).toBe('unless-stopped');
    }
    const check = services['worker']!.healthcheck!.test.join(' ');
    // BullMQ names a worker's blocking connection <prefix>:<base64 of the queue name>.
    const prefix = /private readonly prefix = '(\w+)'/.exec(readFileSync(join(root, 'queue/bullmq-queue.ts'), 'utf8'))?.[1];
    expect(check).toContain(`'${prefix}:' + Buffer.from('${VENDOR_QUEUE}').toString('base64')`);
    expect(check).toContain("redis.client('LIST')");
    // Alive, not only connected: an idle BullMQ worker re-issues BZPOPMIN every few seconds.
    expect(check).toMatch(/ idle=\(\\d\+\) .*\) < \d+\)/);
    expect(check).toContain('process.env.REDIS_URL');
    expect(check, 'compose would interpolate a $ in the script').not.toContain('$');
  });
});

describe('compose.yaml credentials and exposure', () => {
  it('writes no credential: secrets are required (${VAR:?…}) or, for optional integrations, empty', () => {
    for (const { name, rest } of interpolations()) {
      if (!SECRET_NAME.test(name)) continue;
      if (REQUIRED_SECRETS.includes(name)) expect(rest, `\${${name}}`).toMatch(/^:\?\S/);
      else expect(rest, `\${${name}}: optional secrets default to empty`).toBe(':-');
    }
    for (const name of REQUIRED_SECRETS) expect(interpolations().map((i) => i.name), name).toContain(name);
    for (const [service, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (SECRET_NAME.test(key)) expect(value, `${service}: ${key}`).toMatch(/^\$\{\w+:[?-][^}]*\}$/);
        // A credential may only reach a URL through a required variable.
        if (/^\w+:\/\/[^/]*@/.test(value)) expect(value, `${service}: ${key}`).toMatch(/^\w+:\/\/[^/@]*\$\{\w+:\?[^}]*\}@/);
      }
    }
    // The values the old file defaulted to (and Grafana's own default) appear nowhere.
    expect(composeText).not.toMatch(/:-(egresswatch|grafana|admin)\}/);
  });

  it('passes every service the same required variable for the same credential', () => {
    const env = (service: string, key: string): string => services[service]!.environment![key]!;
    const variable = (value: string): string | undefined => /^\$\{(\w+):\?/.exec(value)?.[1];
    expect(variable(env('clickhouse', 'CLICKHOUSE_PASSWORD'))).toBe('CLICKHOUSE_PASSWORD');
    for (const role of ['collector', 'worker']) expect(variable(env(role, 'EGRESSWATCH_CLICKHOUSE_PASSWORD')), role).toBe('CLICKHOUSE_PASSWORD');
    expect(variable(env('clickhouse', 'GRAFANA_CLICKHOUSE_PASSWORD'))).toBe('GRAFANA_CLICKHOUSE_PASSWORD');
    expect(variable(env('grafana', 'EGRESSWATCH_GRAFANA_CLICKHOUSE_PASSWORD'))).toBe('GRAFANA_CLICKHOUSE_PASSWORD');
    expect(variable(env('grafana', 'GF_SECURITY_ADMIN_PASSWORD'))).toBe('GRAFANA_ADMIN_PASSWORD');
    expect(variable(env('redis', 'REDIS_PASSWORD'))).toBe('REDIS_PASSWORD');
    const requirepass = services['redis']!.command!;
    expect(variable(requirepass[requirepass.indexOf('--requirepass') + 1]!)).toBe('REDIS_PASSWORD');
    for (const role of ['collector', 'worker']) expect(env(role, 'REDIS_URL'), role).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379$/);
  });

  it('publishes ports on 127.0.0.1 unless a *_BIND variable says otherwise', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.map(([name]) => name).sort()).toEqual(['clickhouse', 'collector', 'grafana']);
    for (const [name, port] of published) expect(port, name).toMatch(/^\$\{[A-Z]+_BIND:-127\.0\.0\.1\}:(\d+):\1$/);
  });

  it('runs Grafana with a pinned ClickHouse plugin, no anonymous access and no sign-up', () => {
    const env = services['grafana']!.environment!;
    // GF_INSTALL_PLUGINS takes "id version" (id@version is GF_PLUGINS_PREINSTALL's syntax).
    for (const plugin of env['GF_INSTALL_PLUGINS']!.split(',')) expect(plugin.trim()).toMatch(/^[a-z0-9-]+ \d+\.\d+\.\d+$/);
    expect(env['GF_INSTALL_PLUGINS']).toMatch(/^grafana-clickhouse-datasource \d/);
    expect(env['GF_AUTH_ANONYMOUS_ENABLED']).toBe('false');
    expect(env['GF_USERS_ALLOW_SIGN_UP']).toBe('false');
    expect(services['grafana']!.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });

  it("gives Grafana a read-only ClickHouse user that reads egresswatch's database and system.parts only", () => {
    const user = readerUser();
    expect(services['grafana']!.environment!['EGRESSWATCH_GRAFANA_CLICKHOUSE_USER']).toBe(user.name);
    // Its password comes from the clickhouse service's environment, set from a required variable.
    expect(user.passwordFromEnv).toBe('GRAFANA_CLICKHOUSE_PASSWORD');
    expect(services['clickhouse']!.environment![user.passwordFromEnv!]).toMatch(/^\$\{GRAFANA_CLICKHOUSE_PASSWORD:\?/);
    expect(user.xml).not.toMatch(/<password>|<password_sha256_hex>/);
    expect(user.profile).toMatch(/<readonly>1<\/readonly>/);
    // The plugin's client sets max_execution_time on every query; nothing else may change.
    expect([...user.profile.matchAll(/<changeable_in_readonly\/>/g)]).toHaveLength(1);
    expect(user.profile).toMatch(/<max_execution_time>\s*<max>\d+<\/max>\s*<changeable_in_readonly\/>/);
    const database = parseConfig({}).clickhouse.database;
    expect(user.grants).toEqual([`GRANT SELECT ON ${database}.*`, 'GRANT SELECT ON system.parts']);
    // The egresswatch user no longer needs to manage users (the old initdb script did).
    expect(services['clickhouse']!.environment!['CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT']).toBeUndefined();
    const mount = services['clickhouse']!.volumes!.find((v) => v.includes('/etc/clickhouse-server/users.d/'));
    expect(mount).toBe('./dashboards/clickhouse/users.d/grafana-reader.xml:/etc/clickhouse-server/users.d/grafana-reader.xml:ro');
  });

  it('has the provisioned datasource read its password from the environment', () => {
    const file = readFileSync(join(root, 'dashboards/grafana/provisioning/datasources/clickhouse.yaml'), 'utf8');
    const ds = (parseYaml(file) as { datasources: Array<{ secureJsonData: { password: string } }> }).datasources[0]!;
    expect(ds.secureJsonData.password).toBe('${EGRESSWATCH_GRAFANA_CLICKHOUSE_PASSWORD}');
  });
});

/** The Grafana reader user of dashboards/clickhouse/users.d/grafana-reader.xml, as far as the tests need it. */
function readerUser(): { name: string; xml: string; profile: string; passwordFromEnv: string | undefined; grants: string[] } {
  const xml = readFileSync(join(root, 'dashboards/clickhouse/users.d/grafana-reader.xml'), 'utf8');
  // ClickHouse refuses the whole file for a double hyphen inside a comment.
  for (const comment of xml.match(/<!--[\s\S]*?-->/g) ?? []) expect(comment.slice(4, -3)).not.toContain('--');
  const users = /<users>\s*<(\w+)>([\s\S]*?)<\/\1>\s*<\/users>/.exec(xml);
  expect(users, 'one user in <users>').not.toBeNull();
  const [, name, body] = users!;
  const profileName = /<profile>(\w+)<\/profile>/.exec(body!)?.[1];
  const profile = new RegExp(`<${profileName}>([\\s\\S]*?)</${profileName}>`).exec(xml)?.[1] ?? '';
  return {
    name: name!,
    xml,
    profile,
    passwordFromEnv: /<password from_env="(\w+)"\s*\/>/.exec(body!)?.[1],
    grants: [...body!.matchAll(/<query>([^<]*)<\/query>/g)].map((m) => m[1]!),
  };
}

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

  it('leaves the embedded engine out of the image: chDB is optional and pruned, and every role is given a ClickHouse server', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(pkg['dependencies']?.['chdb']).toBeUndefined();
    expect(pkg['optionalDependencies']?.['chdb']).toBeDefined();
    expect(dockerfile).toMatch(/npm prune --omit=dev --omit=optional\b/);
    for (const [name, service] of egresswatchServices) expect(service.environment?.['EGRESSWATCH_CLICKHOUSE_URL'], name).toMatch(/^http:\/\/clickhouse:8123$/);
  });
});

describe('.dockerignore', () => {
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8');
  const excluded = dockerIgnoreMatcher(ignore);
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  /** Every source of a COPY that reads the build context (not --from=another stage). */
  const copySources = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/).slice(0, -1));

  it('keeps secrets, dependencies, build output, git and local data out of the build context', () => {
    for (const path of ['.env', '.env.production', 'node_modules', 'node_modules/yaml/package.json', 'common/node_modules/x', '.git', '.git/config', '.egresswatch', '.egresswatch/clickhouse/x', 'dist/cli/main.js', 'bench/out/run.json', 'test/unit/x.test.ts', 'npm-debug.log']) {
      expect(excluded(path), path).toBe(true);
    }
  });

  it('excludes none of the files the Dockerfile copies', () => {
    expect(copySources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'cli']));
    const files = (path: string): string[] =>
      statSync(join(root, path)).isDirectory()
        // Skipped: installed dependencies, and bench/out, the benchmarks' own output (gitignored).
        ? readdirSync(join(root, path)).filter((e) => e !== 'node_modules' && `${path}/${e}` !== 'bench/out').flatMap((e) => files(`${path}/${e}`))
        : [path];
    let count = 0;
    for (const source of copySources) {
      expect(excluded(source), source).toBe(false);
      for (const file of files(source)) {
        expect(excluded(file), `${file} (COPY ${source})`).toBe(false);
        count++;
      }
    }
    expect(count).toBeGreaterThan(100);
  });
});

/**
 * Docker's .dockerignore rules (moby/patternmatcher): paths relative to the context root, `*`
 * and `?` within one path segment, `**` across segments, `!` re-includes, the last matching
 * line wins, and a path is excluded with any excluded parent directory.
 */
function dockerIgnoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      const source = pattern
        .split(/(\*\*\/|\/\*\*|\*\*|\*|\?)/)
        .map((part) => ({ '**/': '(?:.*/)?', '/**': '(?:/.*)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
        .join('');
      return { negate, re: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const segments = path.split('/');
    const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let out = false;
    for (const { negate, re } of rules) if (prefixes.some((p) => re.test(p))) out = !negate;
    return out;
  };
}
