/**
 * A small, strict XML 1.0 well-formedness check for the diagrams: one root, balanced tags,
 * quoted attributes without duplicates or `<`, only the five predefined entities and character
 * references, only characters XML allows. Returns the element tree with entities decoded, so a
 * test can read the labels as a viewer would.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: Array<XmlElement | string>;
}

const NAME = /^[A-Za-z_:][\w:.-]*/;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const BAD_AMP = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function decode(text: string, where: string): string {
  if (BAD_AMP.test(text)) throw new Error(`bare '&' in ${where}: ${text.slice(0, 60)}`);
  return text.replace(ENTITY, (_, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[named]!;
    const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    const c = String.fromCodePoint(cp);
    if (NOT_XML_CHAR.test(c)) throw new Error(`character reference to a character XML forbids: ${cp}`);
    return c;
  });
}

/** Parses `doc` or throws an Error saying where it is not well-formed. */
export function parseXml(doc: string): XmlElement {
  if (NOT_XML_CHAR.test(doc)) throw new Error(`character XML forbids at ${doc.search(NOT_XML_CHAR)}`);
  let i = 0;
  const rest = (): string => doc.slice(i);
  if (rest().startsWith('<?xml')) {
    const end = doc.indexOf('?>', i);
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (text.length > 0) {
      if (text.includes('>') && /]]>/.test(text)) throw new Error("']]>' in text");
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error(`text outside the root: ${text.slice(0, 40)}`);
      } else stack[stack.length - 1]!.children.push(decode(text, 'text'));
    }
    if (lt < 0) break;
    i = lt;
    if (rest().startsWith('<!--')) {
      const end = doc.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (rest().startsWith('</')) {
      const m = /^<\/([A-Za-z_:][\w:.-]*)\s*>/.exec(rest());
      if (!m) throw new Error(`bad end tag at ${i}: ${rest().slice(0, 40)}`);
      const open = stack.pop();
      if (!open || open.name !== m[1]) throw new Error(`end tag </${m[1]}> does not close <${open?.name ?? '(nothing)'}>`);
      i += m[0].length;
      continue;
    }
    i += 1;
    const name = NAME.exec(rest());
    if (!name) throw new Error(`bad tag name at ${i}: ${rest().slice(0, 40)}`);
    i += name[0].length;
    const el: XmlElement = { name: name[0], attrs: {}, children: [] };
    for (;;) {
      const ws = /^\s*/.exec(rest())![0];
      i += ws.length;
      if (rest().startsWith('/>') || rest().startsWith('>')) break;
      if (ws.length === 0) throw new Error(`attributes of <${el.name}> need white space between them at ${i}`);
      const attr = /^([A-Za-z_:][\w:.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(rest());
      if (!attr) throw new Error(`bad attribute in <${el.name}> at ${i}: ${rest().slice(0, 40)}`);
      if (Object.hasOwn(el.attrs, attr[1]!)) throw new Error(`duplicate attribute ${attr[1]} in <${el.name}>`);
      el.attrs[attr[1]!] = decode(attr[3] ?? attr[4] ?? '', `attribute ${attr[1]}`);
      i += attr[0].length;
    }
    const selfClosing = rest().startsWith('/>');
    i += selfClosing ? 2 : 1;
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else if (root) throw new Error('a second root element');
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element named `name`, depth first. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) out.push(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  walk(el);
  return out;
}

/** The text of an element and its descendants. */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
