import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';

import { createSqliteEventStore } from '@accrue/adapters/sqlite';
import type { RecordedEvent } from '@accrue/domain';
import { Timestamp, recoverNumberReservations, verifyLog } from '@accrue/domain';

/**
 * Acceptance (crash safety): a child process appending on SQLite is killed with SIGKILL at random points, 20
 * times over one database file. After each kill, every acknowledged command is in the log, no command is
 * half-present (each appears with all of its events or none), and the hash chains verify. At the end, the
 * number recovery settles every reservation the kills left behind, and the number register has no gap.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'accrue-crash-'));
const path = join(folder, 'accrue.db');
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const runAndKill = (prefix: string, killAfterMs: number): Promise<Map<string, number>> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@accrue/source',
        '--import',
        'tsx',
        join(root, 'test/reliability/crashWriter.ts'),
        path,
        prefix,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const acknowledged = new Map<string, number>();
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [, commandId, events] = line.split(' ');
        if (commandId !== undefined) acknowledged.set(commandId, Number(events));
      }
      // Start the countdown at the first acknowledgement, so every run kills a process mid-work.
      timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (_code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited without being killed: ${stderr}`));
    });
  });

const readWholeLog = async (store: ReturnType<typeof createSqliteEventStore>): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  let after: bigint | undefined;
  for (;;) {
    const batch = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 5000 })();
    if (E.isLeft(batch)) throw new Error(batch.left._tag);
    events.push(...batch.right.events);
    if (batch.right.events.length < 5000) return events;
    after = batch.right.lastPosition;
  }
};

describe('SQLite under SIGKILL', () => {
  it(
    'keeps every acknowledged command, never half a command, and verifies after 20 kills',
    { timeout: 240_000 },
    async () => {
      const everAcknowledged = new Map<string, number>();
      for (let run = 0; run < 20; run++) {
        const acknowledged = await runAndKill(`r${run}`, 50 + Math.floor(Math.random() * 400));
        for (const [id, count] of acknowledged) everAcknowledged.set(id, count);
        expect(acknowledged.size, `run ${run} acknowledged nothing before the kill`).toBeGreaterThan(0);

        const store = createSqliteEventStore({ path });
        const log = await readWholeLog(store);
        const byCommand = new Map<string, number>();
        for (const event of log) {
          const commandId =
            typeof event.metadata['commandId'] === 'string' ? event.metadata['commandId'] : '';
          byCommand.set(commandId, (byCommand.get(commandId) ?? 0) + 1);
        }
        for (const [commandId, count] of everAcknowledged) {
          // Approval writes to two streams (number series, then invoice): its invoice event is what was acknowledged.
          expect(byCommand.get(commandId), commandId).toBe(count);
        }
        // No command half-present: a payment's two events, a draft's one, an approval's one on the invoice.
        for (const [commandId, count] of byCommand) {
          if (commandId.endsWith(':pay')) expect(count, commandId).toBe(2);
          else expect(count, commandId).toBe(1);
        }
        const verified = await verifyLog(store)();
        expect(E.isRight(verified) && E.isRight(verified.right)).toBe(true);
        await store.close();
      }

      const store = createSqliteEventStore({ path });
      const now = '2026-11-21T11:00:00Z';
      if (!Timestamp.is(now)) throw new Error('bad timestamp');
      const recovered = await recoverNumberReservations(store, { now, isStale: () => true })();
      expect(E.isRight(recovered)).toBe(true);
      const log = await readWholeLog(store);
      const reserved = log.filter((e) => e.type === 'NumberReserved').map((e) => Number(e.data['counter']));
      const annulled = new Set(
        log.filter((e) => e.type === 'NumberAnnulled').map((e) => Number(e.data['counter'])),
      );
      const approvedNumbers = new Set(
        log.filter((e) => e.type === 'InvoiceApproved').map((e) => Number(e.data['counter'])),
      );
      expect(reserved).toEqual(Array.from({ length: reserved.length }, (_, i) => i + 1));
      for (const counter of reserved)
        expect(approvedNumbers.has(counter) !== annulled.has(counter), `number ${counter}`).toBe(true);
      const verified = await verifyLog(store)();
      expect(E.isRight(verified) && E.isRight(verified.right)).toBe(true);
      await store.close();
    },
  );
});
