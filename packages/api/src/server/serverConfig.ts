import * as E from 'fp-ts/lib/Either.js';

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** Largest request body accepted, in bytes (default 1 MiB); larger is a 413. */
  readonly bodyLimit: number;
  readonly logLevel: string;
}

/** `HOST` (default 127.0.0.1), `PORT` (default 4000), `ACCRUE_BODY_LIMIT`, `LOG_LEVEL` (default info). */
export const loadServerConfig = (env: NodeJS.ProcessEnv): E.Either<string, ServerConfig> => {
  const port = Number(env['PORT'] ?? '4000');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return E.left(`PORT must be 0–65535 (got "${env['PORT'] ?? ''}")`);
  const bodyLimit = Number(env['ACCRUE_BODY_LIMIT'] ?? String(1024 * 1024));
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024)
    return E.left('ACCRUE_BODY_LIMIT must be a whole number of bytes ≥ 1024');
  return E.right({
    host: env['HOST'] ?? '127.0.0.1',
    port,
    bodyLimit,
    logLevel: env['LOG_LEVEL'] ?? 'info',
  });
};
