import type { FastifyReply } from 'fastify';

/** One field-level problem: the JSON path of the field and what is wrong with it. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** The one error envelope of the HTTP API: `{"error": {"code", "message", "details": [{"path", "message"}]}}`. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: ReadonlyArray<ErrorDetail>;
    readonly request_id?: string;
  };
}

export const errorBody = (
  code: string,
  message: string,
  details: ReadonlyArray<ErrorDetail> = [],
  requestId?: string,
): ErrorBody => ({
  error: { code, message, details, ...(requestId === undefined ? {} : { request_id: requestId }) },
});

export const sendError = (
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: ReadonlyArray<ErrorDetail> = [],
): FastifyReply =>
  reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(errorBody(code, message, details));

/** `invoiceNotDraft` → `invoice_not_draft`: the public code of a domain error tag. */
export const snakeCode = (tag: string): string =>
  tag
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
