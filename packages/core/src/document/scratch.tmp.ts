import { loadWorkflow } from './index.ts';
const H = `document: { dsl: '1.0.3', namespace: test, name: x, version: '0.1.0' }\n`;
const cases: string[] = [
  `do:\n  - a:\n      call: http\n      with: { method: get, endpoint: { uri: 'https://x', authentication: { basic: { username: u } } } }\n`,
  `do:\n  - a:\n      listen: { to: { one: { with: {} } } }\n`,
  `do:\n  - a:\n      listen: { to: { sone: { with: { type: x } } } }\n`,
  `do:\n  - a:\n      emit: { event: { with: { source: 'https://x' } } }\n`,
  `do:\n  - a:\n      try: [ { b: { set: { x: 1 } } } ]\n      catch: { errors: { with: { status: '500' } }, retry: { delay: { seconds: 'x' }, limit: { attempt: { count: -1 } } } }\n`,
  `do:\n  - a:\n      switch: [ { a: { when: .x, then: 1 } } ]\n`,
  `do:\n  - a:\n      for: { in: .x }\n`,
  `do:\n  - a:\n      fork: { branches: [], compete: 'yes' }\n`,
  `do:\n  - a:\n      wait: { seconds: 1.5 }\n`,
  `do:\n  - a:\n      set: {}\n`,
  `do:\n  - a:\n      run: { workflow: { namespace: a, name: b, version: '1' }, await: 'no' }\n`,
  `do:\n  - a:\n      raise: { error: { type: 'https://x', status: 400, instance: 'not a pointer' } }\n`,
  `input: { schema: { document: {}, resource: { endpoint: 'https://x' } } }\ndo:\n  - a: { set: { x: 1 } }\n`,
  `use: { timeouts: { t: { after: PT1X } }, retries: { r: { backoff: { linear: {}, constant: {} } } } }\ndo:\n  - a: { set: { x: 1 } }\n`,
  `use: { functions: { f: { sett: 1 } } }\ndo:\n  - a: { call: f }\n`,
  `do:\n  - a:\n      call: http\n      with: { method: get, endpoint: 'https://x', headers: [1], query: { a: 1 }, output: json }\n`,
  `do:\n  - a: { call: 42 }\n`,
  `do:\n  - a: { call: f, with: 1 }\n`,
  `do:\n  - a:\n      listen: { to: { any: [ { with: { type: x }, correlate: { c: { expect: 1 } } } ] }, read: body }\n`,
  `timeout: 5\ndo:\n  - a: { set: { x: 1 }, if: true, then: [end] }\n`,
  `do:\n  - a: { set: { x: 1 }, input: { from: 1 }, output: { as: true, schema: { } } }\n`,
  `document: 1\ndo: []\n`,
  `extra: 1\ndo: []\n`,
];
for (const c of cases) {
  const text = c.startsWith('document') ? c : H + c;
  const r = loadWorkflow(text);
  console.log('---', c.split('\n').filter(l => l.includes('- a') || l.startsWith('use') || l.startsWith('input') || l.startsWith('timeout')|| l.startsWith('document')|| l.startsWith('extra')).join(' ').slice(0, 100));
  if (r.ok) console.log('   VALID'); else for (const p of r.problems) console.log(`   ${p.line}:${p.column} ${p.path} | ${p.message}${p.feature ? ' ['+p.feature+']' : ''}`);
}
