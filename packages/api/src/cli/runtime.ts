import type { Runtime } from '../composition/container.js';
import { ConfigurationError, createRuntime } from '../composition/container.js';
import type { CliIo } from './io.js';

/** Opens the configured store for one command, and always closes it (flushing pending writes). */
export const withRuntime = async (io: CliIo, run: (runtime: Runtime) => Promise<void>): Promise<void> => {
  let runtime: Runtime;
  try {
    runtime = await createRuntime(io.env);
  } catch (error) {
    io.writeError(
      `accrue: ${error instanceof ConfigurationError ? error.message : `cannot open the store: ${describe(error)}`}`,
    );
    io.setExitCode(2);
    return;
  }
  try {
    await run(runtime);
  } finally {
    await runtime.close();
  }
};

export const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The tenant the CLI acts for: `--tenant`, else `ACCRUE_TENANT`, else `dev`. */
export const tenantOf = (io: CliIo, option: string | undefined): string =>
  option ?? io.env['ACCRUE_TENANT'] ?? 'dev';

/** JSON with bigints as strings. */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
