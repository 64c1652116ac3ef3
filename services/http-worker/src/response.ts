// Reading a response body (bounded) and turning it into the task's output.
import type { Dispatcher } from 'undici';

export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(readonly limit: number) {
    super(`response body exceeds ${limit} bytes`);
  }
}

/** Reads the whole body, aborting as soon as it passes `limit` bytes (announced or received). */
export async function readBodyBounded(response: Dispatcher.ResponseData, limit: number): Promise<Buffer> {
  const announced = Number(response.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    discard(response.body);
    throw new ResponseTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      discard(response.body);
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Drops the connection under the body (the rest is not wanted) without an unhandled 'error'. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

export function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function isJson(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json';
}

function isText(type: string): boolean {
  return (
    type === '' ||
    type.startsWith('text/') ||
    type.endsWith('+xml') ||
    ['application/xml', 'application/x-www-form-urlencoded', 'application/javascript', 'application/yaml', 'application/x-yaml', 'application/x-ndjson'].includes(type)
  );
}

/**
 * The response content: JSON parsed for JSON media types, a string for text ones (and when
 * no content-type is given), base64 for anything else (binary). Empty body → null.
 */
export function decodeContent(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return null;
  const type = mediaType(contentType);
  if (isJson(type)) {
    const text = body.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text; // a server that mislabels its body still yields something usable
    }
  }
  if (isText(type)) return body.toString('utf8');
  return body.toString('base64');
}
