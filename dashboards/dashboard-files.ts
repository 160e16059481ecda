import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../common/package-root.js';
import type { GrafanaDashboard } from './panel-sql.js';

/** Where the provisioned dashboard JSON lives (Grafana's file provider reads the same folder). */
export function dashboardsDir(): string {
  return join(packageRoot(), 'dashboards', 'grafana', 'dashboards');
}

/** A dashboard JSON file and its parsed content. */
export interface DashboardFile {
  file: string;
  dashboard: GrafanaDashboard;
}

/** Reads every `*.json` dashboard, sorted by file name. */
export function loadDashboards(dir = dashboardsDir()): DashboardFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as GrafanaDashboard }));
}
