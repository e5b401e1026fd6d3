import { compareSerials } from '../../../src/tokens';

const SERIALS = ['100001', '4242', 't10', '99', 't2', '4243', 'a', '1000000', 'B', 'b', '0042'];
const ORDER = ['B', 'a', 'b', '99', 't2', 't10', '0042', '4242', '4243', '100001', '1000000'];

describe('the one serial order', () => {
  test('shorter first, then bytewise: numbers in numeric order, 100001 after 4242', () => {
    expect([...SERIALS].sort(compareSerials)).toEqual(ORDER);
    expect(compareSerials('4242', '100001')).toBeLessThan(0);
    expect(compareSerials('7', '7')).toBe(0);
  });
  // Every store lists, pages and orders a user's tokens by it: the store contract
  // (test/contract/token-store.contract.test.ts) checks SQLite and PostgreSQL alike.
});
