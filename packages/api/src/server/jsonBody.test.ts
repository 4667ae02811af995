import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerStrictJsonParser } from './jsonBody.js';

describe('strict JSON bodies', () => {
  const app = Fastify();
  beforeAll(async () => {
    registerStrictJsonParser(app);
    app.post('/echo', (request) => ({ body: request.body }));
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (payload: string | Buffer) =>
    app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });

  it('accepts ordinary objects, escaped surrogate pairs and the words themselves in values', async () => {
    for (const text of [
      '{"query":"{ invoice(id: \\"x\\") { id } }","variables":{"id":"x"}}',
      '{"emoji":"\\ud83d\\ude00","plain":"😀"}',
      '{"note":"the constructor of __proto__ chains, in prose"}',
    ]) {
      const response = await post(text);
      expect(response.statusCode, text).toBe(200);
      expect(response.json()).toEqual({ body: JSON.parse(text) as unknown });
    }
  });

  it('refuses lone surrogates and NUL, written as escapes, in values and keys', async () => {
    for (const text of [
      '{"a":"\\ud800"}',
      '{"a":"x\\udfffy"}',
      '{"a":"\\u0000"}',
      '{"\\ud800":1}',
      '{"a":["\\u0000"]}',
    ]) {
      expect((await post(text)).statusCode, text).toBe(400);
    }
  });

  it('refuses prototype keys, literal or spelled with escapes', async () => {
    for (const text of [
      '{"__proto__":{"x":1}}',
      '{"__pr\\u006fto__":{"x":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"a":{"constructor":{"prot\\u006ftype":{}}}}',
    ]) {
      expect((await post(text)).statusCode, text).toBe(400);
    }
  });

  it('refuses invalid UTF-8, raw control characters, non-objects and deep nesting', async () => {
    expect((await post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))).statusCode).toBe(
      400,
    );
    expect((await post('{"a":"x\u0000y"}')).statusCode).toBe(400);
    expect((await post('[1,2]')).statusCode).toBe(400);
    expect((await post(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`)).statusCode).toBe(400);
  });
});
