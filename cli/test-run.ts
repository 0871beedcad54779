// Runs the real command line (bin/vesalius) for tests, on the environment they give (a temp VESALIUS_HOME).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../core/config/data-dir';

const bin = path.join(projectRoot, 'bin', 'vesalius');
const run = promisify(execFile);

/** Runs bin/vesalius on the temp home; resolves with the exit status instead of throwing on non-zero. */
export async function vesalius(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw e;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
