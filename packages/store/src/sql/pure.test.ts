// The pure helpers of the SQL modules (what is decided in JS before a statement is sent).
import { describe, expect, it } from 'vitest';
import type { RunUpdate } from '@baton/core';
import { compareVersionsDesc } from './definitions.ts';
import { requiredEventTypes } from './listens.ts';
import { collapseUpdates } from './run-transitions.ts';

describe('compareVersionsDesc', () => {
  it('orders by semantic version, highest first, pre-releases below releases, non-semver last', () => {
    const sorted = ['1.2.0', 'latest', '1.10.0', '1.10.0-rc.1', '0.9.0', '2.0.0-alpha'].sort(compareVersionsDesc);
    expect(sorted).toEqual(['2.0.0-alpha', '1.10.0', '1.10.0-rc.1', '1.2.0', '0.9.0', 'latest']);
  });
});

describe('requiredEventTypes', () => {
  it('lists the types every filter requires, or undefined when one accepts any type', () => {
    expect(requiredEventTypes([{ with: { type: 'b' } }, { with: { type: 'a' } }, { with: { type: 'b' } }])).toEqual(['a', 'b']);
    expect(requiredEventTypes([{ with: { type: 'a' } }, { with: { source: 's' } }])).toBeUndefined();
    expect(requiredEventTypes([{ correlate: { id: { from: '.id' } } }])).toBeUndefined();
    expect(requiredEventTypes([])).toBeUndefined();
  });
});

describe('collapseUpdates', () => {
  const base = (patch: Partial<RunUpdate>): RunUpdate => ({ id: 'r1', status: 'running', state: { status: 'running' }, eventSeq: 1, ...patch });

  it('keeps the last update of a run, the first startedAt, and sums usage', () => {
    const rows = collapseUpdates([
      base({ startedAt: 'A', usage: { tokens: 2 } }),
      base({ id: 'r2' }),
      base({ status: 'completed', eventSeq: 4, startedAt: 'B', endedAt: 'C', usage: { tokens: 3, cost: 1 } }),
    ]);
    expect(rows).toEqual([
      base({ status: 'completed', eventSeq: 4, startedAt: 'A', endedAt: 'C', usage: { tokens: 5, cost: 1 } }),
      base({ id: 'r2' }),
    ]);
  });
});
