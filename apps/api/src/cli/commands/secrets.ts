import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { auditConfig, formatFindings } from '../../platform/production-checks.js';
import { progress } from '../cli-runtime.js';

/**
 * `agentry secrets check`: audits the configuration as production would run it — default or weak
 * peppers, dev key files, embedded storage, wildcard CORS, a public /metrics, a low bcrypt cost —
 * whatever NODE_ENV says, so it can gate a deployment. Exit 0 when clean, 1 when anything is found
 * (the findings go to stdout, one per line). It reads configuration and key-file permissions only:
 * no database or Redis connection, so it runs before either exists.
 */
export function registerSecretsCommands(program: Command) {
  const secrets = program.command('secrets').description('audit secrets and production settings');
  secrets
    .command('check')
    .description('list every default or weak secret and unsafe production setting; exits 1 if there is any')
    .action(() => {
      const config = loadConfig();
      progress(`auditing the configuration for production (NODE_ENV is ${config.env})…`);
      const findings = auditConfig(config);
      if (findings.length === 0) {
        process.stdout.write('secrets check: no problems found\n');
        return;
      }
      const refusals = findings.filter((f) => f.refusesStart).length;
      process.stdout.write(
        `secrets check: ${findings.length} problem(s), ${refusals} of which NODE_ENV=production refuses to start with:\n${formatFindings(findings)}\n`,
      );
      process.exitCode = 1;
    });
}
