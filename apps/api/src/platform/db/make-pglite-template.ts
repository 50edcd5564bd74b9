import { MIGRATIONS_DIR } from './client.js';
import { templateIsCurrent, templateKey, writeTemplate } from './pglite-template.js';

/**
 * Build step (scripts/build.mjs runs dist/make-pglite-template.js): creates an in-memory PGlite
 * database, applies every migration and packs its data directory as dist/pglite-template.tar.gz,
 * unless the one there was made by this PGlite from these migrations.
 */
async function main() {
  if (templateIsCurrent()) return;
  const key = templateKey();
  const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  const started = Date.now();
  const client = new PGlite();
  await client.waitReady;
  await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
  const tarball = await client.dumpDataDir('gzip');
  await client.close();
  writeTemplate(Buffer.from(await tarball.arrayBuffer()), key);
  process.stderr.write(
    `Made the embedded database template (dist/pglite-template.tar.gz) in ${Date.now() - started} ms.\n`,
  );
}

await main();
