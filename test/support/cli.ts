// Runs the operator's tool (app/cli/ox-aps.ts) as an operator would: a child process with its own
// environment; answers its exit code and what it printed.
import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  /** stdout and stderr as they came. */
  out: string;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli/ox-aps.ts', ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const result: CliResult = { code: null, out: '', stdout: '', stderr: '' };
    child.stdout.on('data', (c) => {
      result.out += c;
      result.stdout += c;
    });
    child.stderr.on('data', (c) => {
      result.out += c;
      result.stderr += c;
    });
    child.stdin.end(opts.input ?? '');
    child.on('exit', (code) => resolve({ ...result, code }));
  });
}
