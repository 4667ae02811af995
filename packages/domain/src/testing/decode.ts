import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

/**
 * Decodes wire JSON with a codec, failing the test with the codec's report if it does not decode. Specs write
 * commands and events the way they travel (decimal strings, ISO dates), which also exercises the codecs.
 */
export const decode = <A, O>(codec: t.Type<A, O>, value: unknown): A => {
  const result = codec.decode(value);
  if (E.isLeft(result))
    assert.fail(`${codec.name} did not decode: ${PathReporter.report(result).join('; ')}`);
  return result.right;
};
