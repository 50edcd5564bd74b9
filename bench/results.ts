/**
 * One result file per benchmark under bench/results/<name>.json; `npm run bench` (bench/run.mjs)
 * prints every ratio of them in one table. A ratio compares two paths measured in the same run on
 * the same machine, so the load on this shared host mostly cancels out; absolute figures are kept
 * beside it for the record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Ratio {
  metric: string;
  /** What is compared, e.g. `Agentry / floor`. */
  compared: string;
  value: number;
  /** The target, as text (`<= 1.5`), and whether it is met; absent when there is none. */
  target?: string;
  met?: boolean;
}

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
export const loadAvg = () => os.loadavg().map((l) => Number(l.toFixed(2)));

export function writeResult(name: string, result: { label: string; ratios: Ratio[]; figures: unknown }) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(
    file,
    `${JSON.stringify(
      {
        name,
        at: new Date().toISOString(),
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          node: process.version,
          memGb: Math.round(os.totalmem() / 2 ** 30),
        },
        loadAvgAtEnd: loadAvg(),
        ...result,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`(written ${path.relative(process.cwd(), file)})`);
}

export const atMost = (metric: string, compared: string, value: number, limit: number): Ratio => ({
  metric,
  compared,
  value,
  target: `<= ${limit}`,
  met: value <= limit,
});
export const atLeast = (metric: string, compared: string, value: number, limit: number): Ratio => ({
  metric,
  compared,
  value,
  target: `>= ${limit}`,
  met: value >= limit,
});
