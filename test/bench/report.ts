/** One benchmark figure, with the target it is held to (if any). */
export interface BenchRow {
  readonly name: string;
  readonly value: string;
  readonly target?: string;
  readonly met?: boolean;
}

export interface BenchReport {
  readonly title: string;
  readonly rows: ReadonlyArray<BenchRow>;
}

export const printReport = (report: BenchReport): void => {
  console.log(`\n## ${report.title}`);
  for (const row of report.rows) {
    const verdict = row.met === undefined ? '' : row.met ? '  [target met]' : '  [TARGET MISSED]';
    console.log(
      `- ${row.name}: ${row.value}${row.target === undefined ? '' : ` (target: ${row.target})`}${verdict}`,
    );
  }
};
