import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import { verifyLog } from '@accrue/domain';

import type { CliIo } from '../io.js';
import { toJson, withRuntime } from '../runtime.js';

/**
 * `accrue verify`: recomputes every stream's hash chain. Prints `{"ok":true,"events","streams"}`, or
 * `{"ok":false,"stream","version","eventId","position","reason"}` naming the first bad event (exit 1).
 */
export const registerVerifyCommand = (program: Command, io: CliIo): void => {
  program
    .command('verify')
    .description("check every stream's hash chain; names the first event that does not match")
    .action(async () => {
      await withRuntime(io, async ({ store }) => {
        const result = await verifyLog(store)();
        if (E.isLeft(result)) {
          io.writeError(`accrue verify: cannot read the log: ${result.left._tag}`);
          io.setExitCode(2);
          return;
        }
        const verdict = result.right;
        if (E.isRight(verdict)) {
          io.writeLine(toJson({ ok: true, events: verdict.right.events, streams: verdict.right.streams }));
          return;
        }
        const broken = verdict.left;
        io.writeLine(
          toJson({
            ok: false,
            stream: broken.streamName,
            version: broken.streamVersion,
            eventId: broken.eventId,
            position: broken.globalPosition,
            reason: broken.reason,
          }),
        );
        io.setExitCode(1);
      });
    });
};
