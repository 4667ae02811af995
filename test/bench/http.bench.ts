import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import type { BenchReport, BenchRow } from './report.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const serverMain = join(repoRoot, 'packages/api/dist/server/main.js');
const bareChild = fileURLToPath(new URL('./httpBareChild.js', import.meta.url));

const KEY = 'bench-tenant-key-0123456789';
const SECONDS = Number(process.env['ACCRUE_BENCH_HTTP_SECONDS'] ?? '10');
const WARMUP_SECONDS = 2;
const CONNECTIONS = Number(process.env['ACCRUE_BENCH_HTTP_CONNECTIONS'] ?? '10');
const ROUNDS = Number(process.env['ACCRUE_BENCH_HTTP_ROUNDS'] ?? '3');

const INVOICE_QUERY = /* GraphQL */ `
  query ($id: ID!) {
    invoice(id: $id) {
      id
      number
      status
      currency
      series
      customer {
        id
        name
        email
        vatNumber
        address {
          line1
          line2
          city
          postalCode
          country
        }
      }
      issueDate
      dueDate
      paymentTermsDays
      pricesIncludeTax
      lines {
        id
        description
        quantity
        unitPrice
        baseQuantity
        unitCode
        taxCategory
        taxRate
        allowances {
          amount
          percent
          reason
        }
        charges {
          amount
          percent
          reason
        }
        netAmount
      }
      allowances {
        amount
        percent
        reason
        taxCategory
        taxRate
      }
      charges {
        amount
        percent
        reason
        taxCategory
        taxRate
      }
      notes
      reference
      totals {
        lineExtensionAmount
        allowanceTotalAmount
        chargeTotalAmount
        taxExclusiveAmount
        taxAmount
        taxInclusiveAmount
        prepaidAmount
        payableRoundingAmount
        payableAmount
      }
      taxBreakdown {
        category
        rate
        taxableAmount
        taxAmount
      }
      amountPaid
      amountCredited
      amountWrittenOff
      amountDue
      version
    }
  }
`;

const draft = JSON.stringify({
  customer: {
    id: 'cust-1',
    name: 'Buyer GmbH',
    email: 'ap@buyer.example',
    address: { line1: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
  },
  currency: 'EUR',
  issue_date: '2026-03-01',
  payment_terms_days: 14,
  lines: [
    { description: 'Consulting', quantity: '10', unit_price: '100.00', tax_category: 'S', tax_rate: '19' },
    { description: 'Travel', quantity: '1', unit_price: '200.00', tax_category: 'S', tax_rate: '19' },
  ],
});

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** Starts a child and resolves with the URL it prints once listening. */
const startChild = async (
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  listening: RegExp,
): Promise<{ child: Child; url: string }> => {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = listening.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => {
      reject(new Error(`${args.join(' ')} exited (${String(code)}) before listening:\n${stderr}`));
    });
  });
  return { child, url };
};

const stopChild = async (child: Child): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  await exited;
};

const post = async (url: string, body: string | undefined, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: ${String(response.status)} ${text}`);
  return text;
};

interface Measured {
  readonly name: string;
  readonly result: autocannon.Result;
  /** Requests per iteration (create + approve is two). */
  readonly perIteration: number;
}

const measure = async (name: string, options: autocannon.Options, perIteration = 1): Promise<Measured> => {
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  const result = await autocannon({ ...options, duration: SECONDS });
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0)
    throw new Error(
      `${name}: ${String(result.non2xx)} non-2xx, ${String(result.errors)} errors, ${String(result.timeouts)} timeouts`,
    );
  return { name, result, perIteration };
};

/** The round with the median throughput (the middle one of an odd count). */
const median = (rounds: ReadonlyArray<Measured>): Measured => {
  const sorted = [...rounds].sort((a, b) => a.result.requests.average - b.result.requests.average);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error('no rounds measured');
  return middle;
};

const row = ({ name, result, perIteration }: Measured): BenchRow => {
  const rps = result.requests.average;
  const iterations =
    perIteration === 1 ? '' : `, ${Math.round(rps / perIteration).toLocaleString('en')} iterations/s`;
  return {
    name,
    value: `${Math.round(rps).toLocaleString('en')} req/s${iterations}, latency p50 ${String(result.latency.p50)} ms, p99 ${String(result.latency.p99)} ms`,
  };
};

/**
 * HTTP throughput with autocannon: the server under test (compiled, `packages/api/dist/server/main.js`, on a
 * fresh SQLite file) and a bare fastify route each run in their own process, so the load generator does not
 * share their event loop. Measured: create + approve over REST (two requests per iteration), GraphQL
 * `invoice(id)` with every field, the REST `GET /v1/invoices/{id}` for reference, and a bare route answering
 * the same GraphQL JSON. GraphQL by id is held to half the bare route's req/s.
 */
export const benchHttp = async (): Promise<BenchReport> => {
  const folder = mkdtempSync(join(tmpdir(), 'accrue-http-bench-'));
  const children: Child[] = [];
  try {
    const server = await startChild(
      [serverMain],
      {
        PATH: process.env['PATH'] ?? '',
        ACCRUE_STORE: `sqlite:${join(folder, 'log.db')}`,
        ACCRUE_API_KEYS: `bench:${KEY}`,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      /Accrue listening on (http:\/\/\S+)/,
    );
    children.push(server.child);
    const json = { 'content-type': 'application/json' };
    const auth = { authorization: `Bearer ${KEY}` };

    const createApprove = await measure(
      'REST create + approve (POST /v1/invoices, POST /v1/invoices/{id}/approve)',
      {
        url: server.url,
        connections: CONNECTIONS,
        requests: [
          {
            method: 'POST',
            path: '/v1/invoices',
            headers: { ...auth, ...json },
            body: draft,
            onResponse: (_status, body, context) => {
              (context as { id?: string }).id = (JSON.parse(body) as { id: string }).id;
            },
          },
          {
            method: 'POST',
            headers: auth,
            setupRequest: (request, context) => ({
              ...request,
              path: `/v1/invoices/${(context as { id?: string }).id ?? 'missing'}/approve`,
            }),
          },
        ],
      },
      2,
    );

    const created = JSON.parse(await post(`${server.url}/v1/invoices`, draft, json)) as { id: string };
    await post(`${server.url}/v1/invoices/${created.id}/approve`, undefined);
    const graphqlBody = JSON.stringify({ query: INVOICE_QUERY, variables: { id: created.id } });
    const graphqlAnswer = await post(`${server.url}/graphql`, graphqlBody, json);
    if (!graphqlAnswer.includes(created.id)) throw new Error(`GraphQL did not answer: ${graphqlAnswer}`);
    const answerFile = join(folder, 'answer.json');
    writeFileSync(answerFile, graphqlAnswer);

    const bare = await startChild(
      [bareChild, answerFile],
      { PATH: process.env['PATH'] ?? '' },
      /bare listening on (http:\/\/\S+)/,
    );
    children.push(bare.child);
    // The two are measured in alternating rounds and compared by their medians, so a change in the machine's
    // load during the run (other processes on 2 cores) weighs on both sides alike.
    const bareRounds: Measured[] = [];
    const graphqlRounds: Measured[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      bareRounds.push(
        await measure('bare fastify route, same JSON (POST, no auth, no GraphQL)', {
          url: `${bare.url}/graphql`,
          connections: CONNECTIONS,
          method: 'POST',
          headers: json,
          body: graphqlBody,
        }),
      );
      graphqlRounds.push(
        await measure('GraphQL invoice(id), every field', {
          url: `${server.url}/graphql`,
          connections: CONNECTIONS,
          method: 'POST',
          headers: { ...auth, ...json },
          body: graphqlBody,
        }),
      );
    }
    await stopChild(bare.child);
    const bareRoute = median(bareRounds);
    const graphql = median(graphqlRounds);

    const rest = await measure('REST GET /v1/invoices/{id} (reference)', {
      url: `${server.url}/v1/invoices/${created.id}`,
      connections: CONNECTIONS,
      headers: auth,
    });

    const ratio = graphql.result.requests.average / bareRoute.result.requests.average;
    return {
      title: `HTTP (autocannon, ${String(CONNECTIONS)} connections, ${String(SECONDS)} s each; bare route and GraphQL alternated over ${String(ROUNDS)} rounds, medians; server in a child process, LOG_LEVEL=warn, SQLite)`,
      rows: [
        row(createApprove),
        row(graphql),
        row(rest),
        row(bareRoute),
        {
          name: 'GraphQL invoice(id) rounds / bare route rounds',
          value: graphqlRounds
            .map((g, i) => {
              const b = bareRounds[i];
              return b === undefined
                ? ''
                : `${Math.round(g.result.requests.average).toLocaleString('en')} / ${Math.round(b.result.requests.average).toLocaleString('en')}`;
            })
            .join('; '),
        },
        {
          name: 'GraphQL invoice(id) / bare route (medians)',
          value: `${(ratio * 100).toFixed(1)} %`,
          target: '≥ 50 %',
          met: ratio >= 0.5,
        },
      ],
    };
  } finally {
    for (const child of children) await stopChild(child);
    rmSync(folder, { recursive: true, force: true });
  }
};
