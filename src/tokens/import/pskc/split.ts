import { ImportError } from '../errors';

/**
 * A PSKC document cut into its KeyContainer without the KeyPackages (the header: EncryptionKey,
 * MACMethod, and anything after the packages) and the KeyPackage elements one by one, each a
 * well-formed element of its own. Parsing them one at a time keeps an import's memory near the
 * file's size instead of a whole-document tree (about forty times the file).
 *
 * The scan knows just enough XML to find element boundaries without being fooled: comments, CDATA
 * and processing instructions are skipped whole, attribute values are quoted (and may hold `>`),
 * and every end tag must close the element it ends. Entity declarations were refused before this
 * runs (xml.ts); the parts are then validated and parsed by the XML parser as before.
 */
export interface PackageSlice {
  readonly text: string;
  /** Where the KeyPackage starts, counted from 1. */
  readonly line: number;
  readonly column: number;
}

export interface SplitDocument {
  /** The whole document with every KeyPackage element cut out. */
  readonly header: string;
  readonly packageCount: number;
  packages(): Generator<PackageSlice>;
}

const KEY_CONTAINER = 'KeyContainer';
const KEY_PACKAGE = 'KeyPackage';

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

class Position {
  private line = 1;
  private lineStart = 0;
  private scanned = 0;

  constructor(private readonly text: string) {}

  /** Line and column of `index`; calls must come in increasing order of index. */
  at(index: number): { line: number; column: number } {
    for (let i = this.text.indexOf('\n', this.scanned); i !== -1 && i < index;) {
      this.line++;
      this.lineStart = i + 1;
      i = this.text.indexOf('\n', i + 1);
    }
    this.scanned = index;
    return { line: this.line, column: index - this.lineStart + 1 };
  }
}

export function splitPskc(xml: string, what = 'PSKC document'): SplitDocument {
  const ranges: { start: number; end: number; line: number; column: number }[] = [];
  const stack: string[] = [];
  const position = new Position(xml);
  let packageStart = -1;
  let packageAt = { line: 0, column: 0 };
  const fail = (index: number, message: string): never => {
    const { line, column } = new Position(xml).at(index);
    throw new ImportError(
      `${what} line ${line}, column ${column}`,
      `not well-formed XML: ${message}`,
    );
  };
  const skipTo = (from: number, end: string, what: string): number => {
    const found = xml.indexOf(end, from);
    if (found < 0) fail(from, `unterminated ${what}`);
    return found + end.length;
  };

  let i = xml.indexOf('<');
  while (i !== -1) {
    if (xml.startsWith('<!--', i)) i = skipTo(i + 4, '-->', 'comment');
    else if (xml.startsWith('<![CDATA[', i)) i = skipTo(i + 9, ']]>', 'CDATA section');
    else if (xml.startsWith('<?', i)) i = skipTo(i + 2, '?>', 'processing instruction');
    else if (xml.startsWith('<!', i)) fail(i, 'a declaration inside the document');
    else if (xml[i + 1] === '/') {
      const close = xml.indexOf('>', i);
      if (close < 0) fail(i, 'unterminated end tag');
      const name = xml.slice(i + 2, close).trim();
      const open = stack.pop();
      if (open !== name) fail(i, `</${name}> does not close <${open ?? 'nothing'}>`);
      if (packageStart >= 0 && stack.length === 1) {
        ranges.push({ start: packageStart, end: close + 1, ...packageAt });
        packageStart = -1;
      }
      i = close + 1;
    } else {
      const { end, name, selfClosing } = startTag(xml, i, fail);
      if (stack.length === 0 && localName(name) !== KEY_CONTAINER && ranges.length === 0)
        return { header: xml, packageCount: 0, packages: function* () {} };
      if (stack.length === 1 && localName(name) === KEY_PACKAGE) {
        packageStart = i;
        packageAt = position.at(i);
        if (selfClosing) {
          ranges.push({ start: i, end, ...packageAt });
          packageStart = -1;
        }
      }
      if (!selfClosing) stack.push(name);
      i = end;
    }
    i = xml.indexOf('<', i);
  }
  if (stack.length > 0) fail(xml.length, `<${stack[stack.length - 1]}> is never closed`);

  let header = '';
  let from = 0;
  for (const r of ranges) {
    header += xml.slice(from, r.start);
    from = r.end;
  }
  header += xml.slice(from);
  return {
    header,
    packageCount: ranges.length,
    *packages() {
      for (const r of ranges)
        yield { text: xml.slice(r.start, r.end), line: r.line, column: r.column };
    },
  };
}

/** A start tag from `<` at `at`: its name, where it ends (after `>`), and whether it is `<x/>`. */
function startTag(
  xml: string,
  at: number,
  fail: (index: number, message: string) => never,
): { end: number; name: string; selfClosing: boolean } {
  const nameMatch = /^<([A-Za-z_][\w.:-]*)/.exec(xml.slice(at, at + 256));
  if (!nameMatch) return fail(at, 'a "<" that starts no tag');
  let i = at + nameMatch[0].length;
  for (;;) {
    const ch = xml[i];
    if (ch === undefined) return fail(at, `<${nameMatch[1]}> is not closed with ">"`);
    if (ch === '"' || ch === "'") {
      const close = xml.indexOf(ch, i + 1);
      if (close < 0) return fail(i, 'unterminated attribute value');
      i = close + 1;
    } else if (ch === '>') {
      return { end: i + 1, name: nameMatch[1]!, selfClosing: xml[i - 1] === '/' };
    } else if (ch === '<') {
      return fail(i, `"<" inside the tag <${nameMatch[1]}>`);
    } else i++;
  }
}
