/** What commands may do to the outside world besides reading their input files: kept small for tests. */
export interface CliIo {
  readonly writeLine: (line: string) => void;
  readonly setExitCode: (code: number) => void;
}

export const processIo: CliIo = {
  writeLine: (line) => {
    process.stdout.write(`${line}\n`);
  },
  setExitCode: (code) => {
    process.exitCode = code;
  },
};
