/** Builds the pairing page into `outDir` (default dist/web); resolves to the files written. */
export declare function buildWeb(
  outDir?: string,
  options?: { minify?: boolean },
): Promise<string[]>;
