import { z } from 'zod';
import { SENSITIVITY_TIERS, type SensitivityTier } from '../pii-tiers.js';
import { closest } from '../text.js';
import { PII_CLASSES } from '../types.js';

/** What the collector stores as a class name (collector/normalize.ts), and what the SDK accepts. */
const CLASS_NAME = /^[a-z][a-z0-9_]{0,63}$/;

function isTier(value: string): value is SensitivityTier {
  return (SENSITIVITY_TIERS as readonly string[]).includes(value);
}

const DEFAULTS = { custom_classes: [] as string[], tiers: {} as Record<string, string> };

/**
 * `pii:` section of egresswatch.yaml: how sensitive each PII class is (common/pii-tiers.ts holds
 * the defaults and why). Every field has a default; an empty section changes nothing.
 */
export const piiConfigSchema = z
  .object({
    /**
     * Class names your SDKs add (`pii.customClasses`), so that `tiers` can place them and a typo in
     * a built-in name is caught instead of read as a new class. Default none.
     */
    custom_classes: z
      .array(
        z
          .string()
          .regex(CLASS_NAME, "class names are lowercase letters, digits and '_', starting with a letter (like 'employee_id')")
          .refine((name) => !(PII_CLASSES as readonly string[]).includes(name), { error: (issue) => `'${String(issue.input)}' is a built-in class; list only your own` }),
      )
      .default(DEFAULTS.custom_classes),
    /**
     * Tier per class, over the defaults: `{ ip_address: internal, employee_id: special_category }`.
     * A class of tier public or internal never needs an `allow_pii` entry. Default none.
     */
    tiers: z.record(z.string(), z.string()).default(DEFAULTS.tiers),
  })
  .strict()
  // Classes and tiers are checked together so that every mistake gets its own line at once.
  .superRefine((value, ctx) => {
    const known = [...PII_CLASSES, ...value.custom_classes];
    for (const [name, tier] of Object.entries(value.tiers)) {
      if (!known.includes(name)) {
        const hint = closest(name, known);
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', name],
          message: `unknown class '${name}'${hint ? ` — did you mean '${hint}'?` : ''} (built-in: ${PII_CLASSES.join(', ')}; list your own in pii.custom_classes)`,
        });
      }
      if (!isTier(tier)) {
        const hint = closest(tier, SENSITIVITY_TIERS);
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', name],
          message: `unknown tier '${tier}'${hint ? ` — did you mean '${hint}'?` : ''} (tiers: ${SENSITIVITY_TIERS.join(', ')})`,
        });
      }
    }
  })
  .transform((value) => ({ custom_classes: value.custom_classes, tiers: value.tiers as Record<string, SensitivityTier> }))
  .prefault({});

export type PiiConfig = z.infer<typeof piiConfigSchema>;

/** The defaults, for callers (tests, detectors given no config) that have none. */
export const DEFAULT_PII_CONFIG: PiiConfig = { custom_classes: [], tiers: {} };
