/** What commands may do to the outside world besides reading their input files: kept small for tests. */
export interface CliIo {
  readonly writeLine: (line: string) => void;
  /** Diagnostics for people, on stderr, so stdout stays machine-readable. */
  readonly writeError: (line: string) => void;
  readonly setExitCode: (code: number) => void;
  /** Standard input, line by line. */
  readonly readLines: () => AsyncIterable<string>;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress bars) or a pipe or file (plain lines). */
  readonly isTty: boolean;
  /** Resolves when stdout has room again, so long outputs (export) keep memory flat. */
  readonly drained: () => Promise<void>;
}

export const processIo: CliIo = {
  writeLine: (line) => {
    process.stdout.write(`${line}\n`);
  },
  writeError: (line) => {
    process.stderr.write(`${line}\n`);
  },
  setExitCode: (code) => {
    process.exitCode = code;
  },
  readLines: () => readStdinLines(),
  env: process.env,
  isTty: process.stderr.isTTY,
  drained: () =>
    process.stdout.writableNeedDrain
      ? new Promise((resolve) =>
          process.stdout.once('drain', () => {
            resolve();
          }),
        )
      : Promise.resolve(),
};

async function* readStdinLines(): AsyncGenerator<string, void, undefined> {
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) yield line;
}
