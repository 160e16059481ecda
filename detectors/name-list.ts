/**
 * Names an alert lists. A sender can make any number of them (hosts under one domain, new field
 * names on a route, up to the cardinality budgets), and an alert's summary and details are stored
 * at every state change and sent to every receiver: a list longer than `max` is cut to its first
 * `max` names and a count of the rest.
 */
export function namesUpTo(names: readonly string[], max: number): string[] {
  return names.length <= max ? [...names] : [...names.slice(0, max), `… ${names.length - max} more`];
}
