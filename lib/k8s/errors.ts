// Reading Kubernetes API failures as values: HTTP status, reason and message.
export interface ApiFailure {
  code: number | undefined;
  reason: string | undefined;
  message: string;
}

interface StatusBody {
  code?: number;
  reason?: string;
  message?: string;
}

function parseBody(body: unknown): StatusBody | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  if (body && typeof body === 'object') return body as StatusBody;
  return undefined;
}

/** Extracts status code, reason and the apiserver's message from an error thrown by client-node. */
export function apiFailureOf(err: unknown): ApiFailure {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown } | undefined;
  const body = parseBody(e?.body);
  const code =
    typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : body?.code;
  const message = body?.message ?? (typeof e?.message === 'string' ? e.message : String(err));
  return { code, reason: body?.reason, message };
}

export function statusCodeOf(err: unknown): number | undefined {
  return apiFailureOf(err).code;
}

export const isNotFound = (err: unknown): boolean => statusCodeOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusCodeOf(err) === 409;
export const isAlreadyExists = (err: unknown): boolean =>
  statusCodeOf(err) === 409 && apiFailureOf(err).reason === 'AlreadyExists';
export const isForbidden = (err: unknown): boolean => statusCodeOf(err) === 403;
export const isGone = (err: unknown): boolean => statusCodeOf(err) === 410;
export const isInvalid = (err: unknown): boolean => statusCodeOf(err) === 422;
