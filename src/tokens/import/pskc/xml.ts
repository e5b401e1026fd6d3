import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ImportError } from '../errors';

/**
 * XML for seed files, parsed so that nothing in the file can make the parser fetch or expand
 * anything: a DOCTYPE or ENTITY declaration refuses the whole file before parsing (that is where
 * billion-laughs and external-entity attacks live, and PSKC needs neither), and the parser itself
 * runs with entity processing off. The five predefined entities and character references are
 * decoded here, in text only, without any expansion.
 */
export type XmlNode = string | { readonly [key: string]: unknown };

const FORBIDDEN_DECLARATION = /<!\s*(DOCTYPE|ENTITY)/i;
const ATTR = '@_';
const TEXT = '#text';

/** Refuses DOCTYPE and ENTITY declarations anywhere in the text, naming the line. */
export function refuseDeclarations(text: string, what = 'PSKC document'): void {
  const forbidden = FORBIDDEN_DECLARATION.exec(text);
  if (forbidden) {
    const line = text.slice(0, forbidden.index).split('\n').length;
    throw new ImportError(
      `${what} line ${line}`,
      `<!${forbidden[1]!.toUpperCase()}> declarations are not allowed (entity expansion and external entities are refused)`,
    );
  }
}

export function parseXmlDocument(text: string, what = 'PSKC document'): Record<string, unknown> {
  refuseDeclarations(text, what);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ImportError(
      `${what} line ${valid.err.line}`,
      `not well-formed XML: ${valid.err.msg}`,
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: ATTR,
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
  return parser.parse(text) as Record<string, unknown>;
}

/** The first child element of that (namespace-free) name, or undefined. */
export function child(node: unknown, name: string): XmlNode | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const value = (node as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : (first as XmlNode);
}

/** Every child element of that name (fast-xml-parser gives one or an array). */
export function children(node: unknown, name: string): XmlNode[] {
  if (node === null || typeof node !== 'object') return [];
  const value = (node as Record<string, unknown>)[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

/** Walks a path of child names. */
export function path(node: unknown, ...names: string[]): XmlNode | undefined {
  let at: unknown = node;
  for (const name of names) {
    at = child(at, name);
    if (at === undefined) return undefined;
  }
  return at as XmlNode;
}

export function attr(node: unknown, name: string): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const value = (node as Record<string, unknown>)[ATTR + name];
  return typeof value === 'string' ? decodeXmlText(value) : undefined;
}

/** The element's text content ('' for an empty element), or undefined when absent. */
export function textOf(node: XmlNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return decodeXmlText(node);
  const t = node[TEXT];
  if (typeof t === 'string' || typeof t === 'number') return decodeXmlText(String(t));
  return '';
}

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

export function decodeXmlText(text: string): string {
  return text.replace(
    /&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g,
    (all, ref: string) => {
      if (ref[0] !== '#') return PREDEFINED[ref] ?? all;
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    },
  );
}
