export { ImportError } from './errors';
export * from './types';
export { splitCsvLine } from './csv-line';
export { createPingIdCsvParser } from './pingid-csv';
export { createOathCsvParser } from './oath-csv';
export { createYubicoCsvParser, serialFromPublicId, yubicoImportedToken } from './yubico-csv';
export { createLineParser, parseLines } from './line-parser';
export { detectFormat } from './detect';
export { openPskc, parsePskc, pskcTokens, type OpenedPskc, type PskcOptions } from './pskc/pskc';
export type { PskcSecrets } from './pskc/container-keys';
export { checkPskcSize, pskcByteLimit, PSKC_HEAP_FACTOR } from './pskc/size-bound';
export {
  importFile,
  type PskcSecretSource,
  type ImportTarget,
  type ImportProgress,
  type ImportFileOptions,
  type ImportFileResult,
} from './import-file';
