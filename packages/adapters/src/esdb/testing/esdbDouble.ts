import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/lib/Either.js';

import codePb from '@eventstore/db-client/generated/code_pb.js';
import gossipGrpc from '@eventstore/db-client/generated/gossip_grpc_pb.js';
import gossipPb from '@eventstore/db-client/generated/gossip_pb.js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';

import type { EventStore, ExpectedVersion, RecordedEvent } from '@accrue/domain';
import { StoreFailure } from '@accrue/domain';

import { createMemoryEventStore } from '../../memory/memoryEventStore.js';

/*
 * A stand-in EventStoreDB for tests: a real gRPC server (grpc-js) serving the client package's own service
 * definitions and protobuf messages, backed by the in-memory store. It answers the calls the adapter makes the
 * way a 24.x single node documents them:
 *
 * - ServerFeatures.GetSupportedMethods (or UNIMPLEMENTED, as a 20.6 server did, with profile 'legacy-20.6');
 * - Streams.BatchAppend (bidirectional; requests with one correlation id are gathered until `is_final`) and
 *   Streams.Append (client-streaming: options, then proposed messages): expected-revision checks, success with
 *   the current revision and the last event's `$all` position, wrong-expected-version with the current
 *   revision, the 1 MiB maximum append size, and idempotent success when the same event ids are re-appended
 *   at the same place in the same stream;
 * - Streams.Read: stream reads forwards and backwards (`stream_not_found` for an absent stream; events carry
 *   their `$all` position as 22.10+ servers do), `$all` reads forwards (inclusive of the start position) and
 *   backwards (exclusive), event-type and stream-name filters, and `$all` subscriptions: confirmation, the
 *   events after the start position (exclusive), `caught_up`, then live events, with filter checkpoints;
 * - Gossip.Read: a one-member cluster with this node as leader, for discovery connection strings.
 *
 * Positions are byte-offset-like: each record advances the log by its size, so they increase but are not
 * contiguous, and commit equals prepare (no explicit transactions). Data and metadata are kept as the bytes the
 * client sent; events put straight into `store` (system events in tests) are served as JSON.
 */

const require = createRequire(import.meta.url);
// The client's messages take google-protobuf's well-known types from the client's own copy of the library, so
// load them from there: one runtime, one set of classes.
const requireFromClient = createRequire(require.resolve('@eventstore/db-client/generated/shared_pb.js'));
type GoogleEmpty = NonNullable<ReturnType<streamsPb.BatchAppendResp['getAny']>>;
type GoogleAny = NonNullable<ReturnType<statusPb.Status['getDetails']>>;
const { Empty: GoogleEmptyClass } = requireFromClient('google-protobuf/google/protobuf/empty_pb.js') as {
  Empty: new () => GoogleEmpty;
};
const { Any: GoogleAnyClass } = requireFromClient('google-protobuf/google/protobuf/any_pb.js') as {
  Any: new () => GoogleAny & { pack(serialized: Uint8Array, name: string): void };
};

const { ReadResp, AppendResp, BatchAppendResp, ReadReq } = streamsPb;

/** EventStoreDB's default `MaxAppendSize`. */
export const MAX_APPEND_SIZE = 1_048_576;
/** Where the first record lands; a fresh node has written its own records before ours. */
const FIRST_POSITION = 4_096n;
const RECORD_OVERHEAD = 120;
const FILTER_WINDOW = 32;

export interface EsdbDoubleOptions {
  /** `'current'` (default) behaves as a 24.x node; `'legacy-20.6'` has no ServerFeatures and no BatchAppend. */
  readonly profile?: 'current' | 'legacy-20.6';
}

/** A running double. */
export interface EsdbDouble {
  /** `esdb://127.0.0.1:PORT?tls=false` */
  readonly connectionString: string;
  readonly port: number;
  /** The backing store. Events appended here directly appear in reads and subscriptions as JSON events. */
  readonly store: EventStore & { readonly size: () => number };
  /** `Service.Method` of every call received, in order. */
  readonly calls: ReadonlyArray<string>;
  /** Appends an event with raw bytes (e.g. unparseable JSON) as a client of another language might. */
  appendRaw(
    streamName: string,
    event: { readonly type: string; readonly contentType: string; readonly data: Uint8Array },
  ): Promise<void>;
  /** Goes away abruptly, as a crashed server does: open calls are cut, new ones are refused. */
  stop(): Promise<void>;
}

interface RawEvent {
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  readonly created: string;
}

type Expected =
  | { readonly kind: 'any' }
  | { readonly kind: 'no_stream' }
  | { readonly kind: 'stream_exists' }
  | { readonly kind: 'revision'; readonly revision: bigint };

interface Proposed {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

type AppendOutcome =
  | { readonly _tag: 'Success'; readonly revision: bigint; readonly position: bigint }
  | { readonly _tag: 'WrongExpectedVersion'; readonly current: bigint | undefined }
  | { readonly _tag: 'TooLarge' }
  | { readonly _tag: 'BadRequest'; readonly message: string };

type Matches = (event: RecordedEvent) => boolean;

/** Starts a double on 127.0.0.1 with an ephemeral port. */
export const startEsdbDouble = async (options: EsdbDoubleOptions = {}): Promise<EsdbDouble> => {
  const profile = options.profile ?? 'current';
  const store = createMemoryEventStore();
  const raw = new Map<string, RawEvent>();
  const calls: string[] = [];
  const live = new Set<AbortController>();
  const offsets: bigint[] = [];
  let nextOffset = FIRST_POSITION;
  let port = 0;

  // ---- the log's positions -------------------------------------------------------------------------------

  const sizeOf = (event: RecordedEvent): bigint => {
    const bytes = encoded(event);
    return BigInt(
      RECORD_OVERHEAD +
        Buffer.byteLength(event.streamName) +
        Buffer.byteLength(event.type) +
        bytes.data.length +
        bytes.metadata.length,
    );
  };

  /** Extends the position table to cover every event in the memory log, one caller at a time. */
  let indexing: Promise<void> = Promise.resolve();
  const indexLog = (): Promise<void> => {
    const run = indexing.then(extendIndex);
    indexing = run.catch(() => undefined);
    return run;
  };
  const extendIndex = async (): Promise<void> => {
    while (offsets.length < store.size()) {
      const batch = await store.readAll({ after: BigInt(offsets.length), maxCount: 1000 })();
      if (E.isLeft(batch)) throw new StoreFailure(batch.left);
      for (const event of batch.right.events) {
        offsets.push(nextOffset);
        nextOffset += sizeOf(event);
      }
    }
  };
  const positionOf = (event: RecordedEvent): bigint => {
    const offset = offsets[Number(event.globalPosition) - 1];
    if (offset === undefined) throw new Error(`event ${event.eventId} is not indexed`);
    return offset;
  };
  /** Memory positions are 1-based and contiguous: the count of events strictly before `position`. */
  const countBefore = (position: bigint): number => {
    let low = 0;
    let high = offsets.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((offsets[mid] ?? 0n) < position) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  const countAtOrBefore = (position: bigint): number => countBefore(position + 1n);

  const encoded = (event: RecordedEvent): RawEvent =>
    raw.get(event.eventId) ?? {
      contentType: 'application/json',
      data: Buffer.from(JSON.stringify(event.data)),
      metadata: Buffer.from(JSON.stringify(event.metadata)),
      created: ticksNow(),
    };

  // ---- messages out ----------------------------------------------------------------------------------------

  const toReadEvent = (
    event: RecordedEvent,
    uuid: streamsPb.ReadReq.Options.UUIDOption | undefined,
    fromAll: boolean,
  ): streamsPb.ReadResp => {
    const bytes = encoded(event);
    const position = positionOf(event).toString();
    const recorded = new ReadResp.ReadEvent.RecordedEvent();
    recorded.setId(toUuid(event.eventId, uuid?.hasStructured() === true));
    recorded.setStreamIdentifier(streamIdentifier(event.streamName));
    recorded.setStreamRevision(String(event.streamVersion - 1));
    recorded.setCommitPosition(position);
    recorded.setPreparePosition(position);
    recorded
      .getMetadataMap()
      .set('type', event.type)
      .set('content-type', bytes.contentType)
      .set('created', bytes.created);
    recorded.setCustomMetadata(bytes.metadata);
    recorded.setData(bytes.data);
    const readEvent = new ReadResp.ReadEvent();
    readEvent.setEvent(recorded);
    if (fromAll) readEvent.setCommitPosition(position);
    else readEvent.setNoPosition(new sharedPb.Empty());
    return new ReadResp().setEvent(readEvent);
  };

  // ---- appends ---------------------------------------------------------------------------------------------

  const append = async (
    streamName: string,
    expected: Expected,
    proposed: ReadonlyArray<Proposed>,
  ): Promise<AppendOutcome> => {
    const size = proposed.reduce((sum, p) => sum + p.data.length + p.metadata.length, 0);
    if (size > MAX_APPEND_SIZE) return { _tag: 'TooLarge' };
    if (proposed.some((p) => !uuidPattern.test(p.id)))
      return { _tag: 'BadRequest', message: 'invalid event id' };
    const existing = await store.readStream(streamName)();
    if (E.isLeft(existing)) throw new StoreFailure(existing.left);
    const repeat = idempotentRepeat(existing.right, expected, proposed);
    if (repeat !== undefined) {
      await indexLog();
      return { _tag: 'Success', revision: BigInt(repeat.streamVersion - 1), position: positionOf(repeat) };
    }
    const fresh = proposed.filter((p) => !raw.has(p.id));
    for (const p of fresh) {
      raw.set(p.id, {
        contentType: p.contentType,
        data: p.data,
        metadata: p.metadata,
        created: ticksNow(),
      });
    }
    const result = await store.appendToStream(
      streamName,
      toExpectedVersion(expected),
      proposed.map((p) => ({ eventId: p.id, type: p.type, data: {}, metadata: {} })),
    )();
    if (E.isLeft(result)) {
      for (const p of fresh) raw.delete(p.id);
      if (result.left._tag !== 'VersionConflict') throw new StoreFailure(result.left);
      const actual = result.left.actual ?? 0;
      return { _tag: 'WrongExpectedVersion', current: actual === 0 ? undefined : BigInt(actual - 1) };
    }
    await indexLog();
    const last = offsets[Number(result.right.lastPosition) - 1] ?? 0n;
    return { _tag: 'Success', revision: BigInt(result.right.nextExpectedVersion - 1), position: last };
  };

  const appendRaw: EsdbDouble['appendRaw'] = async (streamName, event) => {
    const outcome = await append(streamName, { kind: 'any' }, [
      {
        id: randomUUID(),
        type: event.type,
        contentType: event.contentType,
        data: event.data,
        metadata: new Uint8Array(),
      },
    ]);
    if (outcome._tag !== 'Success') throw new Error(`appendRaw failed: ${outcome._tag}`);
  };

  // ---- Streams service -----------------------------------------------------------------------------------

  const streams: streamsGrpc.IStreamsServer = {
    read: (call) => {
      calls.push('Streams.Read');
      handleRead(call).catch((error: unknown) => {
        failCall(call, grpc.status.INTERNAL, error);
      });
    },
    append: (call, callback) => {
      calls.push('Streams.Append');
      let header: streamsPb.AppendReq.Options | undefined;
      const proposed: Proposed[] = [];
      call.on('data', (request: streamsPb.AppendReq) => {
        const options = request.getOptions();
        if (options !== undefined) header = options;
        const message = request.getProposedMessage();
        if (message !== undefined) proposed.push(fromProposed(message));
      });
      call.on('end', () => {
        if (header === undefined) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: 'append options missing' });
          return;
        }
        const streamName = streamNameOf(header.getStreamIdentifier());
        const expected = appendExpected(header);
        append(streamName, expected, proposed).then(
          (outcome) => {
            answerAppend(outcome, expected, callback);
          },
          (error: unknown) => {
            callback({ code: grpc.status.INTERNAL, details: describe(error) });
          },
        );
      });
    },
    batchAppend: (call) => {
      calls.push('Streams.BatchAppend');
      if (profile === 'legacy-20.6') {
        failCall(call, grpc.status.UNIMPLEMENTED, new Error('BatchAppend is not supported by this server'));
        return;
      }
      const pending = new Map<string, { stream: string; expected: Expected; proposed: Proposed[] }>();
      let inFlight = 0;
      let ended = false;
      const maybeEnd = (): void => {
        if (ended && inFlight === 0) call.end();
      };
      call.on('data', (request: streamsPb.BatchAppendReq) => {
        const correlation = request.getCorrelationId();
        const key = uuidString(correlation);
        let entry = pending.get(key);
        if (entry === undefined) {
          const options = request.getOptions();
          if (options === undefined) return;
          entry = {
            stream: streamNameOf(options.getStreamIdentifier()),
            expected: batchExpected(options),
            proposed: [],
          };
          pending.set(key, entry);
        }
        entry.proposed.push(...request.getProposedMessagesList().map(fromProposed));
        if (!request.getIsFinal()) return;
        pending.delete(key);
        const { stream, expected, proposed } = entry;
        inFlight++;
        append(stream, expected, proposed)
          .then((outcome) => {
            call.write(batchResponse(outcome, stream, expected, correlation));
          })
          .catch((error: unknown) => {
            const status = new statusPb.Status();
            status.setMessage(describe(error));
            status.setDetails(packed(new sharedPb.Unknown(), 'event_store.client.Unknown'));
            call.write(batchEnvelope(stream, expected, correlation).setError(status));
          })
          .finally(() => {
            inFlight--;
            maybeEnd();
          });
      });
      call.on('end', () => {
        ended = true;
        maybeEnd();
      });
    },
    delete: (_call, callback) => {
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'not part of the double' });
    },
    tombstone: (_call, callback) => {
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'not part of the double' });
    },
  };

  const handleRead = async (
    call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>,
  ): Promise<void> => {
    const options = call.request.getOptions();
    if (options === undefined) {
      failCall(call, grpc.status.INVALID_ARGUMENT, new Error('read options missing'));
      return;
    }
    await indexLog();
    const uuid = options.getUuidOption();
    const matches = filterOf(options);
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const count = options.hasCount() ? Number(BigInt(options.getCount())) : Number.MAX_SAFE_INTEGER;
    const write = writer(call);

    const stream = options.getStream();
    if (stream !== undefined) {
      if (options.hasSubscription()) {
        failCall(
          call,
          grpc.status.UNIMPLEMENTED,
          new Error('stream subscriptions are not part of the double'),
        );
        return;
      }
      const streamName = streamNameOf(stream.getStreamIdentifier());
      const events = await store.readStream(streamName)();
      if (E.isLeft(events)) throw new StoreFailure(events.left);
      if (events.right.length === 0) {
        const notFound = new ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamIdentifier(streamName));
        await write(new ReadResp().setStreamNotFound(notFound));
        call.end();
        return;
      }
      const revision = stream.hasRevision() ? Number(BigInt(stream.getRevision())) : undefined;
      const selected = backwards
        ? events.right
            .filter((e) => stream.hasEnd() || revision === undefined || e.streamVersion - 1 <= revision)
            .reverse()
        : events.right.filter((e) => !stream.hasEnd() && e.streamVersion - 1 >= (revision ?? 0));
      for (const event of selected.slice(0, count)) await write(toReadEvent(event, uuid, false));
      call.end();
      return;
    }

    const all = options.getAll();
    if (all === undefined) {
      failCall(call, grpc.status.INVALID_ARGUMENT, new Error('read options name neither a stream nor $all'));
      return;
    }
    const requested = all.getPosition();
    const from = requested === undefined ? undefined : BigInt(requested.getCommitPosition());

    if (options.hasSubscription()) {
      await subscribeToAll(call, write, {
        // A subscription from a position delivers what comes after it.
        after: all.hasEnd() ? store.size() : from === undefined ? 0 : countAtOrBefore(from),
        matches,
        uuid,
        checkpointEvery: checkpointInterval(options),
      });
      return;
    }

    let sent = 0;
    if (backwards) {
      // Backwards from a position: the records before it.
      let before = all.hasEnd() || from === undefined ? store.size() : countBefore(from);
      while (sent < count && before > 0) {
        const start = Math.max(0, before - 500);
        const batch = await store.readAll({ after: BigInt(start), maxCount: before - start })();
        if (E.isLeft(batch)) throw new StoreFailure(batch.left);
        for (const event of [...batch.right.events].reverse()) {
          if (sent >= count) break;
          if (!matches(event)) continue;
          await write(toReadEvent(event, uuid, true));
          sent++;
        }
        before = start;
      }
      call.end();
      return;
    }
    // Forwards from a position: the record at it and those after.
    let after = all.hasEnd() ? store.size() : from === undefined ? 0 : countBefore(from);
    while (sent < count) {
      const batch = await store.readAll({ after: BigInt(after), maxCount: 500 })();
      if (E.isLeft(batch)) throw new StoreFailure(batch.left);
      if (batch.right.events.length === 0) break;
      for (const event of batch.right.events) {
        after = Number(event.globalPosition);
        if (!matches(event)) continue;
        await write(toReadEvent(event, uuid, true));
        if (++sent >= count) break;
      }
    }
    call.end();
  };

  const subscribeToAll = async (
    call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>,
    write: (response: streamsPb.ReadResp) => Promise<void>,
    from: {
      readonly after: number;
      readonly matches: Matches;
      readonly uuid: streamsPb.ReadReq.Options.UUIDOption | undefined;
      readonly checkpointEvery: number | undefined;
    },
  ): Promise<void> => {
    const controller = new AbortController();
    live.add(controller);
    call.on('cancelled', () => {
      controller.abort();
    });
    call.on('close', () => {
      controller.abort();
    });
    let scanned = 0;
    const deliver = async (event: RecordedEvent): Promise<void> => {
      await indexLog();
      if (from.matches(event)) await write(toReadEvent(event, from.uuid, true));
      scanned++;
      if (from.checkpointEvery !== undefined && scanned % from.checkpointEvery === 0) {
        const checkpoint = new ReadResp.Checkpoint();
        checkpoint.setCommitPosition(positionOf(event).toString());
        checkpoint.setPreparePosition(positionOf(event).toString());
        await write(new ReadResp().setCheckpoint(checkpoint));
      }
    };
    try {
      const confirmation = new ReadResp.SubscriptionConfirmation();
      confirmation.setSubscriptionId(randomUUID());
      await write(new ReadResp().setConfirmation(confirmation));
      let after = from.after;
      for (;;) {
        const batch = await store.readAll({ after: BigInt(after), maxCount: 500 })();
        if (E.isLeft(batch)) throw new StoreFailure(batch.left);
        if (batch.right.events.length === 0) break;
        for (const event of batch.right.events) {
          if (controller.signal.aborted) return;
          await deliver(event);
          after = Number(event.globalPosition);
        }
      }
      await write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      for await (const event of store.follow({ after: BigInt(after), signal: controller.signal })) {
        await deliver(event);
      }
    } finally {
      live.delete(controller);
    }
  };

  const serverFeatures: serverFeaturesGrpc.IServerFeaturesServer = {
    getSupportedMethods: (_call, callback) => {
      calls.push('ServerFeatures.GetSupportedMethods');
      if (profile === 'legacy-20.6') {
        callback({ code: grpc.status.UNIMPLEMENTED, details: 'unknown service' });
        return;
      }
      const methods = [
        ['event_store.client.streams.streams', 'read'],
        ['event_store.client.streams.streams', 'append'],
        ['event_store.client.streams.streams', 'batchappend'],
        ['event_store.client.server_features.serverfeatures', 'getsupportedmethods'],
        ['event_store.client.gossip.gossip', 'read'],
      ].map(([service, method]) => {
        const supported = new serverFeaturesPb.SupportedMethod();
        supported.setServiceName(service ?? '');
        supported.setMethodName(method ?? '');
        return supported;
      });
      const answer = new serverFeaturesPb.SupportedMethods();
      answer.setMethodsList(methods);
      answer.setEventStoreServerVersion('24.10.0');
      callback(null, answer);
    },
  };

  const gossip: gossipGrpc.IGossipServer = {
    read: (_call, callback) => {
      calls.push('Gossip.Read');
      const endpoint = new gossipPb.EndPoint();
      endpoint.setAddress('127.0.0.1');
      endpoint.setPort(port);
      const member = new gossipPb.MemberInfo();
      member.setInstanceId(toUuid('00000000-0000-4000-8000-000000000001', false));
      member.setTimeStamp(ticksNow());
      member.setState(gossipPb.MemberInfo.VNodeState.LEADER);
      member.setIsAlive(true);
      member.setHttpEndPoint(endpoint);
      callback(null, new gossipPb.ClusterInfo().setMembersList([member]));
    },
  };

  const server = new grpc.Server();
  server.addService(streamsGrpc.StreamsService, streams);
  server.addService(serverFeaturesGrpc.ServerFeaturesService, serverFeatures);
  server.addService(gossipGrpc.GossipService, gossip);
  port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    store,
    calls,
    appendRaw,
    stop: async () => {
      for (const controller of live) controller.abort();
      server.forceShutdown();
      await store.close();
    },
  };
};

// ---- protocol helpers ------------------------------------------------------------------------------------

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** .NET ticks (100 ns) since the Unix epoch, as the server sends `created`. */
const ticksNow = (): string => (BigInt(Date.now()) * 10_000n).toString();

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const streamIdentifier = (name: string): sharedPb.StreamIdentifier => {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(name, 'utf8'));
  return identifier;
};

const streamNameOf = (identifier: sharedPb.StreamIdentifier | undefined): string =>
  identifier === undefined ? '' : Buffer.from(identifier.getStreamName_asU8()).toString('utf8');

/** The server parses ids as GUIDs and hands them back lower-cased. */
const uuidString = (uuid: sharedPb.UUID | undefined): string => {
  if (uuid === undefined) return '';
  if (uuid.hasString()) return uuid.getString().toLowerCase();
  const structured = uuid.getStructured();
  if (structured === undefined) return '';
  const most = BigInt.asUintN(64, BigInt(structured.getMostSignificantBits()));
  const least = BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits()));
  const hex = most.toString(16).padStart(16, '0') + least.toString(16).padStart(16, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const toUuid = (id: string, structured: boolean): sharedPb.UUID => {
  const uuid = new sharedPb.UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replaceAll('-', '');
  const parts = new sharedPb.UUID.Structured();
  parts.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString());
  parts.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString());
  return uuid.setStructured(parts);
};

const fromProposed = (
  message: streamsPb.AppendReq.ProposedMessage | streamsPb.BatchAppendReq.ProposedMessage,
): Proposed => {
  const metadata = message.getMetadataMap();
  return {
    id: uuidString(message.getId()),
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
};

const appendExpected = (options: streamsPb.AppendReq.Options): Expected => {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
};

const batchExpected = (options: streamsPb.BatchAppendReq.Options): Expected => {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
};

const toExpectedVersion = (expected: Expected): ExpectedVersion =>
  expected.kind === 'revision' ? Number(expected.revision) + 1 : expected.kind;

/**
 * The server's idempotency rule, for the whole batch: the same ids already sit consecutively in this stream,
 * right after the version the appender expected. Returns the last of them.
 */
const idempotentRepeat = (
  existing: ReadonlyArray<RecordedEvent>,
  expected: Expected,
  proposed: ReadonlyArray<Proposed>,
): RecordedEvent | undefined => {
  const start = existing.findIndex((e) => e.eventId === proposed[0]?.id);
  if (start < 0) return undefined;
  const run = existing.slice(start, start + proposed.length);
  if (run.length !== proposed.length || run.some((e, i) => e.eventId !== proposed[i]?.id)) return undefined;
  const versionBefore = start;
  const holds =
    expected.kind === 'any' ||
    expected.kind === 'stream_exists' ||
    (expected.kind === 'no_stream' && versionBefore === 0) ||
    (expected.kind === 'revision' && Number(expected.revision) + 1 === versionBefore);
  return holds ? run.at(-1) : undefined;
};

const packed = (message: { serializeBinary(): Uint8Array }, typeName: string): GoogleAny => {
  const any = new GoogleAnyClass();
  any.pack(message.serializeBinary(), typeName);
  return any;
};

const answerAppend = (
  outcome: AppendOutcome,
  expected: Expected,
  callback: grpc.sendUnaryData<streamsPb.AppendResp>,
): void => {
  switch (outcome._tag) {
    case 'Success': {
      const position = new AppendResp.Position();
      position.setCommitPosition(outcome.position.toString());
      position.setPreparePosition(outcome.position.toString());
      const success = new AppendResp.Success();
      success.setCurrentRevision(outcome.revision.toString());
      success.setPosition(position);
      callback(null, new AppendResp().setSuccess(success));
      return;
    }
    case 'WrongExpectedVersion': {
      const wrong = new AppendResp.WrongExpectedVersion();
      // Servers fill both the current fields and the ones 20.6.0 clients read.
      if (outcome.current === undefined) {
        wrong.setCurrentNoStream(new sharedPb.Empty());
        wrong.setNoStream2060(new sharedPb.Empty());
      } else {
        wrong.setCurrentRevision(outcome.current.toString());
        wrong.setCurrentRevision2060(Number(outcome.current));
      }
      switch (expected.kind) {
        case 'revision':
          wrong.setExpectedRevision(expected.revision.toString());
          wrong.setExpectedRevision2060(Number(expected.revision));
          break;
        case 'no_stream':
          wrong.setExpectedNoStream(new sharedPb.Empty());
          break;
        case 'stream_exists':
          wrong.setExpectedStreamExists(new sharedPb.Empty());
          wrong.setStreamExists2060(new sharedPb.Empty());
          break;
        case 'any':
          wrong.setExpectedAny(new sharedPb.Empty());
          wrong.setAny2060(new sharedPb.Empty());
          break;
      }
      callback(null, new AppendResp().setWrongExpectedVersion(wrong));
      return;
    }
    case 'TooLarge': {
      const metadata = new grpc.Metadata();
      metadata.set('exception', 'maximum-append-size-exceeded');
      metadata.set('maximum-append-size', String(MAX_APPEND_SIZE));
      callback({ code: grpc.status.INVALID_ARGUMENT, details: 'Maximum Append Size Exceeded', metadata });
      return;
    }
    case 'BadRequest':
      callback({ code: grpc.status.INVALID_ARGUMENT, details: outcome.message });
      return;
  }
};

const batchEnvelope = (
  stream: string,
  expected: Expected,
  correlation: sharedPb.UUID | undefined,
): streamsPb.BatchAppendResp => {
  const response = new BatchAppendResp();
  response.setCorrelationId(correlation);
  response.setStreamIdentifier(streamIdentifier(stream));
  switch (expected.kind) {
    case 'revision':
      return response.setStreamPosition(expected.revision.toString());
    case 'no_stream':
      return response.setNoStream(new GoogleEmptyClass());
    case 'stream_exists':
      return response.setStreamExists(new GoogleEmptyClass());
    case 'any':
      return response.setAny(new GoogleEmptyClass());
  }
};

const batchResponse = (
  outcome: AppendOutcome,
  stream: string,
  expected: Expected,
  correlation: sharedPb.UUID | undefined,
): streamsPb.BatchAppendResp => {
  const response = batchEnvelope(stream, expected, correlation);
  const status = new statusPb.Status();
  switch (outcome._tag) {
    case 'Success': {
      const position = new sharedPb.AllStreamPosition();
      position.setCommitPosition(outcome.position.toString());
      position.setPreparePosition(outcome.position.toString());
      const success = new BatchAppendResp.Success();
      success.setCurrentRevision(outcome.revision.toString());
      success.setPosition(position);
      return response.setSuccess(success);
    }
    case 'WrongExpectedVersion': {
      const wrong = new sharedPb.WrongExpectedVersion();
      if (outcome.current === undefined) wrong.setCurrentNoStream(new GoogleEmptyClass());
      else wrong.setCurrentStreamRevision(outcome.current.toString());
      switch (expected.kind) {
        case 'revision':
          wrong.setExpectedStreamPosition(expected.revision.toString());
          break;
        case 'no_stream':
          wrong.setExpectedNoStream(new GoogleEmptyClass());
          break;
        case 'stream_exists':
          wrong.setExpectedStreamExists(new GoogleEmptyClass());
          break;
        case 'any':
          wrong.setExpectedAny(new GoogleEmptyClass());
          break;
      }
      status.setCode(codePb.Code.FAILED_PRECONDITION);
      status.setMessage('Wrong expected version');
      status.setDetails(packed(wrong, 'event_store.client.WrongExpectedVersion'));
      return response.setError(status);
    }
    case 'TooLarge': {
      const tooLarge = new sharedPb.MaximumAppendSizeExceeded();
      tooLarge.setMaxappendsize(MAX_APPEND_SIZE);
      status.setCode(codePb.Code.INVALID_ARGUMENT);
      status.setMessage('Maximum Append Size Exceeded');
      status.setDetails(packed(tooLarge, 'event_store.client.MaximumAppendSizeExceeded'));
      return response.setError(status);
    }
    case 'BadRequest': {
      const bad = new sharedPb.BadRequest();
      bad.setMessage(outcome.message);
      status.setCode(codePb.Code.INVALID_ARGUMENT);
      status.setMessage(outcome.message);
      status.setDetails(packed(bad, 'event_store.client.BadRequest'));
      return response.setError(status);
    }
  }
};

/** Event-type or stream-name filter (regex or prefixes), as `$all` reads and subscriptions apply it. */
const filterOf = (options: streamsPb.ReadReq.Options): Matches => {
  const filter = options.getFilter();
  if (filter === undefined) return () => true;
  const onType = filter.hasEventType();
  const expression = onType ? filter.getEventType() : filter.getStreamIdentifier();
  if (expression === undefined) return () => true;
  const regex = expression.getRegex();
  const pattern = regex === '' ? undefined : new RegExp(regex);
  const prefixes = expression.getPrefixList();
  return (event) => {
    const subject = onType ? event.type : event.streamName;
    if (pattern !== undefined) return pattern.test(subject);
    return prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix));
  };
};

/** Checkpoints come every `window × multiplier` records scanned (filtered subscriptions only). */
const checkpointInterval = (options: streamsPb.ReadReq.Options): number | undefined => {
  const filter = options.getFilter();
  if (filter === undefined) return undefined;
  const window = filter.hasMax() ? filter.getMax() : FILTER_WINDOW;
  return Math.max(1, window * Math.max(1, filter.getCheckpointintervalmultiplier()));
};

/** Writes with backpressure; fails once the call is cancelled. */
const writer =
  (call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>) =>
  (response: streamsPb.ReadResp): Promise<void> =>
    new Promise((resolve, reject) => {
      if (call.cancelled || call.destroyed) {
        reject(new Error('call cancelled'));
        return;
      }
      if (call.write(response)) resolve();
      else call.once('drain', resolve);
    });

const failCall = (
  call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
  code: grpc.status,
  error: unknown,
): void => {
  if (call.cancelled || call.destroyed) return;
  call.emit('error', { code, details: describe(error) });
};
