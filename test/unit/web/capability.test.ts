import { capabilityFromFragment, protocolsFor } from '../../../src/web/capability';

const CAP = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr';

describe('the capability of a `tokenbridge url` link', () => {
  test.each<[string, string | undefined, string]>([
    [`#capability=${CAP}`, CAP, ''],
    [`#capability=${CAP}&step=2`, CAP, '#step=2'],
    [`#step=2&capability=${CAP}`, CAP, '#step=2'],
    ['#capability=short', undefined, '#capability=short'],
    [`#xcapability=${CAP}`, undefined, `#xcapability=${CAP}`],
    ['', undefined, ''],
    [`#capability=${CAP}<script>`, undefined, `#capability=${CAP}<script>`],
  ])('%p -> %p, leaving %p', (hash, capability, rest) => {
    expect(capabilityFromFragment(hash)).toEqual({ capability, rest });
  });

  test('is offered as a second subprotocol, never instead of the API one', () => {
    expect(protocolsFor(null)).toEqual(['tokenbridge.v1']);
    expect(protocolsFor(CAP)).toEqual(['tokenbridge.v1', `tokenbridge.capability.${CAP}`]);
  });
});
