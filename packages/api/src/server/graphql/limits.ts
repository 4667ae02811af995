import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  SelectionSetNode,
  ValueNode,
} from 'graphql';

import { ClientError } from './errors.js';
import { graphql } from './graphqlRuntime.js';

const { Kind, OperationTypeNode, getNamedType, getNullableType, isListType, isObjectType } = graphql;

/** Nesting allowed below an operation (introspection is exempt: it is bounded by the schema). */
export const MAX_DEPTH = 10;
/** The most a query may cost (see `queryCost`). */
export const MAX_COST = 10_000;
/** The largest page a connection returns. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** A list that is not a connection is assumed to hold this many items. */
const LIST_FACTOR = 10;

/** What a field costs on its own beyond 1: the ones that read a store or compute a report. */
const FIELD_COSTS: Readonly<Record<string, number>> = {
  'Query.invoice': 10,
  'Query.invoices': 10,
  'Query.customer': 10,
  'Query.agingReport': 50,
  'Query.taxReport': 20,
  'Query.revenue': 20,
  'Query.invoiceHistory': 20,
  'Query.invoiceAsOf': 20,
  'Subscription.invoiceChanged': 10,
  'InvoiceChange.invoice': 10,
  'InvoiceEdge.node': 5,
  'InvoiceCustomer.account': 10,
  'Customer.balance': 10,
  'Customer.statement': 20,
  'Customer.invoices': 10,
};

interface Walk {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Readonly<Record<string, unknown>>;
  /** The variables the measure depended on, with the values it used. */
  readonly consulted: Map<string, unknown>;
}

const argument = (field: FieldNode, name: string, walk: Walk): unknown => {
  const node: ValueNode | undefined = field.arguments?.find((arg) => arg.name.value === name)?.value;
  if (node === undefined) return undefined;
  if (node.kind === Kind.VARIABLE) {
    const value = walk.variables[node.name.value];
    walk.consulted.set(node.name.value, value);
    return value;
  }
  if (node.kind === Kind.INT) return Number(node.value);
  return undefined;
};

/** The page size a connection field asks for, as the resolver will refuse or apply it. */
const pageSizeOf = (field: FieldNode, walk: Walk): number => {
  const first = argument(field, 'first', walk);
  if (typeof first !== 'number' || !Number.isInteger(first)) return DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(first, 0), MAX_PAGE_SIZE);
};

interface Measure {
  readonly depth: number;
  readonly cost: number;
}

const measureSelections = (
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  walk: Walk,
  seen: ReadonlySet<string>,
): Measure => {
  let depth = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    let measured: Measure;
    switch (selection.kind) {
      case Kind.FIELD:
        measured = measureField(selection, parent, walk, seen);
        break;
      case Kind.INLINE_FRAGMENT: {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName === undefined ? parent : walk.schema.getType(typeName);
        measured = measureSelections(selection.selectionSet, type ?? undefined, walk, seen);
        break;
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = walk.fragments.get(name);
        // Validation already refused unknown and cyclic fragments; the guard only keeps this walk finite.
        if (fragment === undefined || seen.has(name)) continue;
        const type = walk.schema.getType(fragment.typeCondition.name.value) ?? undefined;
        measured = measureSelections(fragment.selectionSet, type, walk, new Set([...seen, name]));
        break;
      }
    }
    depth = Math.max(depth, measured.depth);
    cost += measured.cost;
  }
  return { depth, cost };
};

const measureField = (
  field: FieldNode,
  parent: GraphQLNamedType | undefined,
  walk: Walk,
  seen: ReadonlySet<string>,
): Measure => {
  const name = field.name.value;
  if (name.startsWith('__')) return { depth: 0, cost: 0 };
  const definition: GraphQLField<unknown, unknown> | undefined =
    parent !== undefined && isObjectType(parent) ? parent.getFields()[name] : undefined;
  const own = 1 + (parent === undefined ? 0 : (FIELD_COSTS[`${parent.name}.${name}`] ?? 0));
  if (field.selectionSet === undefined || definition === undefined) return { depth: 1, cost: own };
  const type = getNamedType(definition.type);
  const children = measureSelections(field.selectionSet, type, walk, seen);
  const factor =
    type.name === 'InvoiceConnection' ? 1 : isListType(getNullableType(definition.type)) ? LIST_FACTOR : 1;
  // A connection's page multiplies what each edge costs: its `edges` list is sized by `first`.
  const cost =
    type.name === 'InvoiceConnection'
      ? own + connectionCost(field.selectionSet, type, pageSizeOf(field, walk), walk, seen)
      : own + factor * children.cost;
  return { depth: 1 + children.depth, cost };
};

const connectionCost = (
  selectionSet: SelectionSetNode,
  connection: GraphQLNamedType,
  pageSize: number,
  walk: Walk,
  seen: ReadonlySet<string>,
): number => {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === 'edges' && selection.selectionSet) {
      const edge = walk.schema.getType('InvoiceEdge') ?? undefined;
      cost += 1 + pageSize * measureSelections(selection.selectionSet, edge, walk, seen).cost;
    } else {
      cost += measureSelections(
        { kind: Kind.SELECTION_SET, selections: [selection] },
        connection,
        walk,
        seen,
      ).cost;
    }
  }
  return cost;
};

const measureWith = (
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): { readonly measure: Measure; readonly consulted: ReadonlyMap<string, unknown> } => {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const walk: Walk = { schema, fragments, variables: variables ?? {}, consulted: new Map() };
  let depth = 0;
  let cost = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root =
      definition.operation === OperationTypeNode.QUERY
        ? schema.getQueryType()
        : definition.operation === OperationTypeNode.SUBSCRIPTION
          ? schema.getSubscriptionType()
          : schema.getMutationType();
    const measured = measureSelections(definition.selectionSet, root ?? undefined, walk, new Set());
    depth = Math.max(depth, measured.depth);
    cost = Math.max(cost, measured.cost);
  }
  return { measure: { depth, cost }, consulted: walk.consulted };
};

/**
 * Depth and cost of the operations in a document, with fragments expanded and variables applied. Cost: every
 * field 1, plus what reading its data costs (`FIELD_COSTS`); a list multiplies its items' cost by 10, a
 * connection by its page size (`first`, default 20, at most 100).
 */
export const measureDocument = (
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): Measure => measureWith(schema, document, variables).measure;

interface Measured {
  readonly schema: GraphQLSchema;
  readonly measure: Measure;
  /** The variables the measure depends on (page sizes), with the values it was taken with. */
  readonly consulted: ReadonlyMap<string, unknown>;
}

/**
 * Measures by document. Mercurius keeps parsed documents in its LRU cache keyed by the query text and hands the
 * same `DocumentNode` to every request with that text, so a document measured once is measured for as long as
 * mercurius keeps it (and forgotten with it: the keys are weak). A measure that depended on variables is reused
 * only for the same values of those variables.
 */
const measuredDocuments = new WeakMap<DocumentNode, Measured>();

const measureCached = (
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): Measure => {
  const known = measuredDocuments.get(document);
  if (known?.schema === schema) {
    let same = true;
    for (const [name, value] of known.consulted) {
      if (!Object.is(variables?.[name], value)) {
        same = false;
        break;
      }
    }
    if (same) return known.measure;
  }
  const { measure, consulted } = measureWith(schema, document, variables);
  measuredDocuments.set(document, { schema, measure, consulted });
  return measure;
};

/** Refuses, before anything runs, a query deeper than MAX_DEPTH or costlier than MAX_COST. */
export const enforceLimits = (
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): void => {
  const { depth, cost } = measureCached(schema, document, variables);
  if (depth > MAX_DEPTH)
    throw new ClientError(
      `the query is ${String(depth)} levels deep; at most ${String(MAX_DEPTH)} are allowed`,
      'QUERY_TOO_DEEP',
      400,
      { depth, maxDepth: MAX_DEPTH },
    );
  if (cost > MAX_COST)
    throw new ClientError(
      `the query's estimated cost is ${String(cost)}; at most ${String(MAX_COST)} is allowed (ask for smaller pages or fewer fields)`,
      'QUERY_TOO_COMPLEX',
      400,
      { cost, maxCost: MAX_COST },
    );
};
