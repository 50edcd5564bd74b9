import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is apps/api/test/deploy/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export function readRepoFile(relative: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

/** deploy/start-commands.json: how each process starts, shared with compose, the chart and the cluster test. */
export interface StartCommand {
  cwd: string;
  command: string[];
}
export function startCommands(): Record<'api' | 'migrate' | 'web', StartCommand> {
  return JSON.parse(readRepoFile('deploy/start-commands.json'));
}

export interface Instruction {
  keyword: string;
  args: string;
}
export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** A Dockerfile as stages of instructions: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = rest;
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [k = '', v = ''] = instruction.args.split('=');
      args.set(k, v);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** The image a stage starts from, with global ARG defaults substituted. */
export function resolveFrom(from: string, args: Map<string, string>): string {
  return from.replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? '');
}

/** The last value of an instruction in a stage (e.g. the effective CMD, USER, WORKDIR). */
export function last(stage: Stage, keyword: string): string | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
}
