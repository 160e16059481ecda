import type { FieldType } from './shared/wire-contract.js';
import type { KeyInfo } from './pii-classifier.js';

// Schema nodes shared by the tree that keeps them, the scanner that walks bodies through it and
// the templates compiled from it.

// Field types as bits, in the order of TYPE_NAMES.
export const TYPE_NAMES: ReadonlyArray<FieldType> = ['string', 'number', 'boolean', 'null', 'object', 'array'];
export const STRING = 1;
export const NUMBER = 2;
export const BOOLEAN = 4;
export const NULL = 8;
export const OBJECT = 16;
export const ARRAY = 32;

/**
 * One field path of a body's schema; array elements share their array's element node. Nodes
 * outlive a walk when the tree is kept for a route: `gen` says which walk `types`/`pii` belong
 * to, `shownGen`/`shownTypes`/`shownPii` what the last rendered result held, and the rendered
 * `path:type` / `path:class` strings are kept, so a body with a known schema renders nothing.
 */
export interface SchemaNode {
  path: string;
  /** The raw key its values are classified under (an array's element inherits its array's); see stableKey. */
  key: string;
  gen: number;
  types: number;
  pii: number;
  /** Classes past the 31 bit slots (only with many custom classes). */
  extraPii: Set<string> | undefined;
  shownGen: number;
  shownTypes: number;
  shownPii: number;
  /** `children` is keyed by raw key (cheap to hash); keys that are values are not kept. */
  children: Map<string, SchemaNode> | undefined;
  /** Two raw keys that escape to the same segment (`a:b`, `a_b`) share one node. */
  bySegment: Map<string, SchemaNode> | undefined;
  /** Named children in the order the last object here listed them (see SchemaTree.member). */
  order: SchemaNode[] | undefined;
  /** How many members the last complete object here had: `order` may be longer (see SchemaTemplate). */
  members: number;
  element: SchemaNode | undefined;
  typeText: Array<string | undefined> | undefined;
  piiText: Array<string | undefined> | undefined;
  /**
   * False when different raw keys reach this node (keys that are values, `{key}`), so nothing
   * about the key may be cached on it, `key` included. Otherwise `info` is the key's name analysis,
   * `numberPii` the classes any number under it gets (a number matches by name only) and
   * `stringPii` those of a string that decodes and that no value detector wants (by name only
   * too), each -1 until known.
   */
  stableKey: boolean;
  /**
   * A stable key JSON writes as itself (no quote, backslash or control character), so its text in
   * a body can be compared with it in place (see SchemaTree.knownMember).
   */
  plainKey: boolean;
  info: KeyInfo | undefined;
  numberPii: number;
  stringPii: number;
}

/** Characters JSON must escape in a string: a key holding one is never written as itself. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

export const newNode = (path: string, key: string, stableKey: boolean): SchemaNode => ({
  path,
  key: stableKey ? key : '',
  stableKey,
  plainKey: stableKey && !NEEDS_ESCAPE.test(key),
  info: undefined,
  numberPii: -1,
  stringPii: -1,
  gen: 0,
  types: 0,
  pii: 0,
  extraPii: undefined,
  shownGen: -1,
  shownTypes: 0,
  shownPii: 0,
  children: undefined,
  bySegment: undefined,
  order: undefined,
  members: 0,
  element: undefined,
  typeText: undefined,
  piiText: undefined,
});

