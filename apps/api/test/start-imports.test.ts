import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distDir } from '../scripts/build.mjs';

/**
 * The packages `node dist/main.js` loads before it is ready: the bare specifiers of the static
 * imports of dist/main.js, of the chunks it imports (statically, or by `import()`: the application,
 * loaded while the database opens) and of theirs (statically, transitively). Other `import()`s
 * are left out: they load on first use. The build (global setup) made dist/ from the sources.
 */
function startPackages(): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string, entry = false) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = fs.readFileSync(file, 'utf8');
    if (entry)
      for (const m of code.matchAll(/\bimport\("(\.[^"]+)"\)/g)) visit(path.resolve(path.dirname(file), m[1]!));
    // esbuild writes one static import per statement, at the start of a line.
    for (const m of code.matchAll(/^(?:import|export)\s[^;]*?\s*from\s*"([^"]+)";?$|^import\s*"([^"]+)";?$/gms)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(path.join(distDir, 'main.js'), true);
  return packages;
}

describe('what a start of the API loads (docs/performance.md "Cold start")', () => {
  it('loads none of the packages only some requests or settings need', () => {
    const loaded = startPackages();
    expect(loaded.has('fastify')).toBe(true); // the walk finds the static imports
    for (const lazy of [
      '@openai/agents',
      'openai',
      'stripe',
      '@aws-sdk/client-s3',
      'pg',
      '@electric-sql/pglite',
      'nodemailer',
      'undici',
      'ioredis',
      'bullmq',
      '@secretlint/core',
      '@opentelemetry/sdk-trace',
    ])
      expect(loaded, lazy).not.toContain(lazy);
  });
});
