import type { ClassifierOptions } from './pii-classifier.js';
import { TemplateBudget } from './schema-template.js';
import { SchemaTree, type ShapeLimits } from './schema-tree.js';

/** Routes (× direction) whose schema trees are kept before the memo starts over. */
const MAX_TREES = 256;

/**
 * Schema trees kept per route and direction (`POST api.stripe.com/v1/charges request`): a route
 * sends the same schema call after call, so its tree, rendered `path:type` strings, field list
 * and shape hash are reused instead of rebuilt. Holds field paths only, never values (keys that
 * are values are not kept, see SchemaTree), and compiled templates within a shared budget.
 * Bounded and cleared when full.
 */
export class ShapeMemo {
  private readonly trees = new Map<string, SchemaTree>();
  /** The compiled templates of all trees share one budget; a fresh start frees it whole. */
  private templateBudget = new TemplateBudget();

  constructor(
    private readonly limits: ShapeLimits,
    private readonly classifier: ClassifierOptions,
  ) {}

  tree(key: string): SchemaTree {
    let tree = this.trees.get(key);
    if (!tree) {
      if (this.trees.size >= MAX_TREES) {
        this.trees.clear();
        this.templateBudget = new TemplateBudget();
      }
      tree = new SchemaTree(this.limits, this.classifier, this.templateBudget);
      this.trees.set(key, tree);
    }
    return tree;
  }
}
