// Workflow documents shared by the SDK and CLI tests.

export function helloYaml(namespace: string, version = '1.0.0', greeting = 'hello'): string {
  return `document:
  dsl: '1.0.0'
  namespace: ${namespace}
  name: hello
  version: '${version}'
do:
  - greet:
      set:
        greeting: \${ "${greeting} " + .name }
`;
}

export function failingDocument(namespace: string): object {
  return {
    document: { dsl: '1.0.0', namespace, name: 'broken', version: '1.0.0' },
    do: [{ fail: { raise: { error: { type: 'https://example.com/errors/boom', status: 500, title: 'Boom', detail: 'raised on purpose' } } } }],
  };
}

export function sleepyYaml(namespace: string): string {
  return `document:
  dsl: '1.0.0'
  namespace: ${namespace}
  name: sleepy
  version: '1.0.0'
do:
  - nap:
      wait:
        minutes: 10
`;
}

/** A run that waits for one decision by either of two approvers, then ends with it. */
export function approvalYaml(namespace: string): string {
  return `document:
  dsl: '1.0.0'
  namespace: ${namespace}
  name: review
  version: '1.0.0'
do:
  - review:
      call: approval:1.0.0@default
      with:
        title: \${ "Ship " + .service + "?" }
        approvers: [alice, bob]
`;
}

/** Unique per test, valid as a DSL namespace. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
