/** Prints rows as an aligned text table, or JSON when asked. */
export function printTable(
  out: NodeJS.WritableStream,
  columns: ReadonlyArray<{ key: string; title: string }>,
  rows: ReadonlyArray<Record<string, unknown>>,
): void {
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c.key])));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  out.write(line(columns.map((c) => c.title)) + '\n');
  for (const row of cells) out.write(line(row) + '\n');
}

export function printJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
