import { join } from 'node:path';
import { resolveStatic } from '../../../src/server/http-handler';
import { offeredProtocols } from '../../../src/server/upgrade-gate';

const root = '/srv/page';

test.each<[string, string | undefined]>([
  ['/', join(root, 'index.html')],
  ['/app.js', join(root, 'app.js')],
  ['/css/site.css', join(root, 'css/site.css')],
  ['/sub/', join(root, 'sub/index.html')],
  ['/../etc/passwd', undefined],
  ['/%2e%2e/etc/passwd', undefined],
  ['/%2e%2e%2fetc/passwd', undefined],
  ['/..%5cetc', undefined],
  ['/a%00.js', undefined],
  ['/%E0%A4%A', undefined],
])('resolveStatic(%p) -> %p', (path, expected) => {
  expect(resolveStatic(root, path)).toBe(expected);
});

test.each<[string | string[] | undefined, string[]]>([
  [undefined, []],
  ['tokenbridge.v1', ['tokenbridge.v1']],
  ['chat, tokenbridge.v1', ['chat', 'tokenbridge.v1']],
  [
    ['a', 'b,c'],
    ['a', 'b', 'c'],
  ],
  [' , ', []],
])('offeredProtocols(%p) -> %p', (header, expected) => {
  expect(offeredProtocols(header)).toEqual(expected);
});
