/**
 * Command line over the same core the app runs in its worker.
 * stdout carries only JSON; progress and warnings go to stderr.
 *
 * Commands register below: one import and one entry each.
 */
import { UsageError, type CliCommand } from './command';
// -- command imports (one line each) --
import { trainCommand } from './commands/train';
import { summaryCommand } from './commands/summary';
import { attributeCommand } from './commands/attribute';
import { simulateCommand } from './commands/simulate';
import { recommendCommand } from './commands/recommend';
import { exportSqlCommand } from './commands/export-sql';

const COMMANDS: Record<string, CliCommand> = {
  // -- command entries (one line each) --
  train: trainCommand,
  summary: summaryCommand,
  attribute: attributeCommand,
  simulate: simulateCommand,
  recommend: recommendCommand,
  'export-sql': exportSqlCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(
      `usage: npm run --silent cli -- <command> FILE [options]\ncommands:\n` +
        Object.entries(COMMANDS)
          .map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`)
          .join('\n') +
        '\n',
    );
    return name ? 2 : 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
