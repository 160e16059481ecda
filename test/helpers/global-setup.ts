/** Runs once before the suite: tests log only warnings unless asked otherwise. */
export default function setup(): void {
  process.env['NODE_ENV'] = 'test';
}
