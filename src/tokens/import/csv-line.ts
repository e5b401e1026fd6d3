/**
 * Splits one CSV line into trimmed fields. Double quotes around a field are removed and `""` inside
 * quotes is one quote (RFC 4180); seed files never put a line break inside a field, so one line is
 * one record. Returns null when a quote is left open.
 */
export function splitCsvLine(line: string, delimiter = ','): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        const ch = line[i]!;
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += ch;
        i++;
      }
      while (i < line.length && line[i] !== delimiter) {
        // Only whitespace may follow a closing quote.
        if (line[i] !== ' ' && line[i] !== '\t') return null;
        i++;
      }
    } else {
      const end = line.indexOf(delimiter, i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      i = end < 0 ? line.length : end;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++; // the delimiter
  }
}

/** True for lines a CSV seed file may carry between records: blank, or a `#` comment. */
export function isBlankOrComment(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#');
}
