import { PII_CLASSES } from './shared/wire-contract.js';
import { hasControlCharacter, jsonStringAt } from './json-string.js';
import { classifyValue, describeFieldName, fieldNameInfo, mayMatchByValue, type ClassifierOptions, type KeyInfo } from './pii-classifier.js';
import { personNameInfo } from './person-name.js';
import type { SchemaNode } from './schema-node.js';

// PII classes as bits, so a node's classes are one number that compares in one step. Classes
// are the built-in ones plus configured custom ones, a fixed handful per process; past 31 a
// class goes to the node's extraPii instead, and that body's result is not reused.
const classBits = new Map<string, number>();
const classNames: string[] = [];
// The built-in classes always have a bit, whatever custom classes come along.
for (const piiClass of PII_CLASSES) classBit(piiClass);

function classBit(piiClass: string): number {
  let index = classBits.get(piiClass);
  if (index === undefined) {
    if (classNames.length >= 31) return 0;
    index = classNames.length;
    classNames.push(piiClass);
    classBits.set(piiClass, index);
  }
  return 1 << index;
}

/** The class names by bit: class `i` is bit `1 << i`. */
export const PII_CLASS_NAMES: readonly string[] = classNames;

/**
 * The PII classes of the values a schema walk meets, as class bits, with what can be worked out
 * once per field kept on its node: the field name's analysis, and for a named field the verdict
 * that only depends on its name.
 */
export class FieldClassifier {
  constructor(private readonly options: ClassifierOptions) {}

  /** Custom classes may look at any value, so nothing about a value can be skipped or reused. */
  get hasCustomClasses(): boolean {
    return this.options.custom.length > 0;
  }

  /**
   * The classes of a string value under `node`, found under field `key`: `text[start, end)` are
   * its JSON string contents, `escaped` says whether they hold escapes. The value is decoded only
   * when its field name, a custom class or its characters could make it PII, which most values
   * cannot.
   */
  string(node: SchemaNode, key: string, text: string, start: number, end: number, escaped: boolean): number {
    const info = this.nameInfo(node, key);
    const looksLikeNothing = !escaped && !this.hasCustomClasses && !mayMatchByValue(text, start, end);
    if (looksLikeNothing && !info.hint) return 0;
    // Such a value under a hinting name gets the name's class alone, the same for every value
    // that decodes (a date of birth also needs the value to be a date): worked out once per
    // named field. Contents with a raw control character do not decode, and get no class.
    const byNameOnly =
      looksLikeNothing && node.stableKey && end > start && info.hint?.[0] !== 'date_of_birth' && !hasControlCharacter(text, start, end);
    if (byNameOnly && node.stringPii !== -1) return node.stringPii;
    const value = jsonStringAt(text, start, end);
    if (value === undefined) return 0;
    const bits = this.classify(node, value, key, info);
    if (byNameOnly) node.stringPii = bits;
    return bits;
  }

  /** The classes of a number value under `node`, found under field `key`, written as `text[start, end)`. */
  number(node: SchemaNode, key: string, text: string, start: number, end: number): number {
    // Built-in classes match a number by its field name only; only custom classes look at its
    // digits. Without them a named field's verdict is fixed, so it is worked out once.
    const byNameOnly = node.stableKey && !this.hasCustomClasses;
    if (byNameOnly && node.numberPii !== -1) return node.numberPii;
    const bits = this.classify(node, Number(text.slice(start, end)), key, this.nameInfo(node, key));
    if (byNameOnly) node.numberPii = bits;
    return bits;
  }

  /** Whether the field's name alone suggests a class. */
  hinted(node: SchemaNode): boolean {
    return this.nameInfo(node, node.key).hint !== undefined;
  }

  /** A named field's own (owned) key; a key that is a value is only known to the walk. */
  private keyOf(node: SchemaNode, key: string): string {
    return node.stableKey ? node.key : key;
  }

  /**
   * What the field name says, and for a bare `name` its path (see personNameInfo): kept on the
   * node for names, worked out afresh for keys that are values.
   */
  private nameInfo(node: SchemaNode, key: string): KeyInfo {
    return node.stableKey ? (node.info ??= personNameInfo(node.path, fieldNameInfo(node.key))) : describeFieldName(key);
  }

  /** The value's class bits; classes past the bits go to the node's extraPii. */
  private classify(node: SchemaNode, value: string | number, key: string, info: KeyInfo): number {
    let bits = 0;
    for (const m of classifyValue(value, this.keyOf(node, key), this.options, info)) {
      const bit = classBit(m.piiClass);
      if (bit !== 0) bits |= bit;
      else (node.extraPii ??= new Set()).add(m.piiClass);
    }
    return bits;
  }
}
