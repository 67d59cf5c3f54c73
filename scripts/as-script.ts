/**
 * Runs a script's `main` when the file is run as a script, not when a test
 * imports it: the exit code is main's, an error one line on stderr (its stack
 * when asked) and exit 1.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export function runAsScript(moduleUrl: string, main: (argv: string[]) => Promise<number>, options: { stack?: boolean } = {}): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const text = err instanceof Error ? (options.stack ? (err.stack ?? err.message) : err.message) : String(err);
      process.stderr.write(`${text}\n`);
      process.exitCode = 1;
    },
  );
}
