import { config } from 'zod';

// The page's CSP forbids eval. zod probes for it (to compile faster parsers) while the shared schemas
// are built, and the browser reports each probe as a violation; jitless mode never probes. This
// module is the first import of main.ts so it runs before any schema module.
config({ jitless: true });
