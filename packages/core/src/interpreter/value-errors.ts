// Words for what Ajv finds wrong with a value checked at run time against a user's JSON Schema
// (a workflow's input and output, an agent's tool arguments and structured output, an approval's
// form data). Ajv's own messages leave out what was expected — "must be equal to one of the
// allowed values" — which the user then has to look up in the schema.
import type { ErrorObject } from 'ajv';

/** `/color must be one of "red", "green" (got "blue")`: where, then what is expected. */
export function valueErrorText(error: ErrorObject, value?: unknown): string {
  const where = error.instancePath || '/';
  return `${where} ${valueErrorMessage(error, value)}`;
}

/** Every error, joined with "; ". `value`: the whole value checked, to quote what an enum got. */
export function valueErrorsText(errors: readonly ErrorObject[] | null | undefined, value?: unknown): string {
  return (errors ?? []).map((error) => valueErrorText(error, value)).join('; ');
}

/** The message alone (for callers that write the path themselves). */
export function valueErrorMessage(error: ErrorObject, value?: unknown): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
      return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${got(value, error.instancePath)}`;
    }
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}${got(value, error.instancePath)}`;
    default:
      return error.message ?? `fails the schema keyword '${error.keyword}'`;
  }
}

/** " (got …)" with the offending value, when it is short enough to quote. */
function got(value: unknown, pointer: string): string {
  if (value === undefined) return '';
  const found = at(value, pointer);
  if (found === undefined) return '';
  const text = JSON.stringify(found);
  return text !== undefined && text.length <= 60 ? ` (got ${text})` : '';
}

function at(value: unknown, pointer: string): unknown {
  let current = value;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, token)) return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}
