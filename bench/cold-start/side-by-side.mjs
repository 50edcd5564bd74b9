#!/usr/bin/env node
// Side-by-side cold starts of several builds: starts alternate between the given apps/api dirs,
// each on its own data dir under /tmp/cs (existing data; EMPTY=1: an empty one each time), and it
// prints per build the median wall time spawn → first 200 of /health/ready and the CPU the process
// had used at that moment (/proc/<pid>/stat: steadier than wall time on a shared host). N starts each.
//
//   N=5 node bench/cold-start/side-by-side.mjs /tmp/coldstart-base/apps/api apps/api
//   EMPTY=1 N=3 node bench/cold-start/side-by-side.mjs /tmp/coldstart-base/apps/api apps/api
import { spawn } from 'node:child_process';
import fs from 'node:fs';
const dirs = process.argv.slice(2);
const N = Number(process.env.N ?? 5);
const EMPTY = process.env.EMPTY === '1';
const times = dirs.map(() => []);
const cpus = dirs.map(() => []);
const cpuOf = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const once = (dir, dataDir) =>
  new Promise((resolve, reject) => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const t0 = performance.now();
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      stdio: 'ignore',
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        MODEL_PROVIDER: 'offline',
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
    });
    const poll = async () => {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) {
          const t = performance.now() - t0;
          const c = cpuOf(child.pid);
          child.once('exit', () => resolve([t, c]));
          child.kill('SIGTERM');
          return;
        }
      } catch {}
      if (child.exitCode !== null) return reject(new Error('exited'));
      setTimeout(poll, 50);
    };
    poll();
  });
for (let i = 0; i < N; i++) {
  const order = i % 2 ? [...dirs.keys()].reverse() : [...dirs.keys()];
  for (const k of order) {
    const dd = `/tmp/cs/ab-${k}`;
    if (EMPTY || !fs.existsSync(dd)) {
      fs.rmSync(dd, { recursive: true, force: true });
      fs.mkdirSync(dd, { recursive: true });
      if (!EMPTY) await once(dirs[k], dd);
    }
    const [t, c] = await once(dirs[k], dd);
    times[k].push(t);
    cpus[k].push(c);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [k, d] of dirs.entries())
  console.log(
    d.padEnd(32),
    'wall median',
    med(times[k]).toFixed(0),
    'ms  cpu-to-ready median',
    med(cpus[k]).toFixed(0),
    'ms  (cpu all',
    cpus[k].join(' ') + ')',
  );
