/** Modhex vectors from yubico-c test-vectors.txt (the "hhhvhvhdhbid" entry there is wrong and omitted). */
export const MODHEX_VECTORS: ReadonlyArray<{ hex: string; modhex: string }> = [
  { hex: Buffer.from('test').toString('hex'), modhex: 'ifhgieif' },
  { hex: '2d344e83', modhex: 'dteffuje' },
  { hex: '69b6481c8baba2b60e8f22179b58cd56', modhex: 'hknhfjbrjnlnldnhcujvddbikngjrtgh' },
  { hex: 'ecde18dbe76fbd0c33330f1c354871db', modhex: 'urtubjtnuihvntcreeeecvbregfjibtn' },
  { hex: 'ff00' + (12078869).toString(16).padStart(8, '0'), modhex: 'vvccccnjfvbg' },
];
