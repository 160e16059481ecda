import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../common/config/index.js';
import { ConfigError } from '../../../common/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = tempDir();
afterAll(() => dir.remove());

function file(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('has a default for every key', () => {
    const c = parseConfig({});
    expect(c.collector).toMatchObject({ host: '127.0.0.1', port: 4318, ingest_tokens: [] });
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.retention_days).toBe(30);
    expect(c.detection.step_seconds).toBe(60);
    expect(c.alerts.group_wait_seconds).toBe(30);
  });

  it('reports every problem on its own line, naming the key, with a hint for typos', () => {
    const path = file('bad.yaml', 'vendors:\n  stripe:\n    allow_pii: [creditcard, email]\ncollector:\n  port: 99999\n  prot: 1\n');
    let message = '';
    try {
      loadConfig({ file: path, env: {} });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    expect(lines).toHaveLength(3);
    expect(message).toContain(`${path}: vendors.stripe.allow_pii[0]: unknown class 'creditcard' — did you mean 'card'?`);
    expect(message).toMatch(/collector\.port: .*65535/);
    expect(message).toMatch(/collector: .*prot/);
  });

  it('checks alert route matchers when the config loads: label typos, bad forms and bad regexes are refused, each on its line', () => {
    const yaml = (match: string): string => `alerts:\n  receivers:\n    - { name: ops, type: webhook, url: 'http://127.0.0.1:9/hook' }\n  routes:\n    - { receiver: ops, match: [${match}] }\n`;
    const refused = (match: string): string => {
      try {
        loadConfig({ file: file('routes.yaml', yaml(match)), env: {} });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refused("'vendr=stripe'")).toContain("alerts.routes[0].match[0]: matcher 'vendr=stripe': alerts have no label 'vendr' — did you mean 'vendor'?");
    expect(refused("'vendor'")).toContain("alerts.routes[0].match[0]: matcher 'vendor': expected name=value");
    const two = refused("'kind=~volume_(', 'severity=critical', 'team!=x'").split('\n');
    expect(two).toHaveLength(2);
    expect(two[0]).toMatch(/alerts\.routes\[0\]\.match\[0\]: matcher 'kind=~volume_\(': invalid regular expression/);
    expect(two[1]).toMatch(/alerts\.routes\[0\]\.match\[2\]: matcher 'team!=x': alerts have no label 'team'/);
    expect(refused("'vendor=stripe', 'kind=~volume_.*', 'source!=replay'")).toBe('accepted');
  });

  it('lets allow_pii name classes declared in pii.custom_classes, and only those', () => {
    const ok = loadConfig({ file: file('custom.yaml', 'pii:\n  custom_classes: [employee_id]\nvendors:\n  hr: { allow_pii: [employee_id, email] }\n'), env: {} });
    expect(ok.vendors['hr']?.allow_pii).toEqual(['employee_id', 'email']);
    expect(() => loadConfig({ file: file('typo.yaml', 'pii:\n  custom_classes: [employee_id]\nvendors:\n  hr: { allow_pii: [employe_id] }\n'), env: {} })).toThrow(
      "vendors.hr.allow_pii[0]: unknown class 'employe_id' — did you mean 'employee_id'?",
    );
  });

  it('lets the environment override the file', () => {
    const path = file('ok.yaml', 'collector:\n  port: 5000\n');
    const c = loadConfig({
      file: path,
      env: { EGRESSWATCH_PORT: '4319', EGRESSWATCH_INGEST_TOKENS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb', REDIS_URL: 'redis://127.0.0.1:6380', EGRESSWATCH_CLICKHOUSE_URL: 'http://127.0.0.1:8123' },
    });
    expect(c.collector.port).toBe(4319);
    expect(c.collector.ingest_tokens).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(c.redis.url).toBe('redis://127.0.0.1:6380');
    expect(c.clickhouse.url).toBe('http://127.0.0.1:8123');
  });

  it('refuses short ingest tokens, a missing explicit file and YAML that is not a mapping', () => {
    expect(() => loadConfig({ file: join(dir.path, 'none.yaml'), env: {} })).toThrow(/does not exist/);
    expect(() => loadConfig({ file: file('list.yaml', '- a\n- b\n'), env: {} })).toThrow(/top level must be a mapping/);
    expect(() => parseConfig({ collector: { ingest_tokens: ['short'] } })).toThrow(/at least 16 characters/);
  });
});
