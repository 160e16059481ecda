import type { ClassifierOptions } from './pii-classifier.js';
import { SchemaTree, type ShapeLimits } from './schema-tree.js';

/** Routes (× direction) whose schema trees are kept before the memo starts over. */
const MAX_TREES = 256;

/**
 * Schema trees kept per route and direction (`POST api.stripe.com/v1/charges request`): a route
 * sends the same schema call after call, so its tree, rendered `path:type` strings, field list
 * and shape hash are reused instead of rebuilt. Holds field paths only, never values (keys that
 * are values are not kept, see SchemaTree). Bounded and cleared when full.
 */
export class ShapeMemo {
  private readonly trees = new Map<string, SchemaTree>();

  constructor(
    private readonly limits: ShapeLimits,
    private readonly classifier: ClassifierOptions,
  ) {}

  tree(key: string): SchemaTree {
    let tree = this.trees.get(key);
    if (!tree) {
      if (this.trees.size >= MAX_TREES) this.trees.clear();
      tree = new SchemaTree(this.limits, this.classifier);
      this.trees.set(key, tree);
    }
    return tree;
  }
}
