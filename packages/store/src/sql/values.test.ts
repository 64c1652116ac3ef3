import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '@baton/core';
import { clampLimit, decodeCursor, encodeCursor, fromJson, jsonParam } from './values.ts';

describe('cursors', () => {
  it('round-trip a sort key and are opaque base64url', () => {
    const cursor = encodeCursor('runs', ['2026-01-01T00:00:00.000Z', 'id/1+2']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('runs', cursor, ['string', 'string'])).toEqual(['2026-01-01T00:00:00.000Z', 'id/1+2']);
  });

  it('reject garbage, another listing, and the wrong shape', () => {
    const bad = [
      '',
      'a b',
      Buffer.from('{').toString('base64url'),
      encodeCursor('definitions', ['x', 'y']),
      encodeCursor('runs', ['x']),
      encodeCursor('runs', ['x', 3]),
      Buffer.from('{"runs":1}').toString('base64url'),
    ];
    for (const cursor of bad) expect(() => decodeCursor('runs', cursor, ['string', 'string'])).toThrow(InvalidCursorError);
  });
});

describe('json values', () => {
  it('keep SQL NULL (undefined) apart from JSON null', () => {
    expect(jsonParam(undefined)).toBeNull();
    expect(jsonParam(null)).toBe('null');
    expect(fromJson(null)).toBeUndefined();
    expect(fromJson('null')).toBeNull();
    expect(fromJson(jsonParam('"quoted"'))).toBe('"quoted"');
  });
});

describe('clampLimit', () => {
  it('keeps a page between 1 and the maximum', () => {
    expect(clampLimit(0)).toBe(1);
    expect(clampLimit(-5)).toBe(1);
    expect(clampLimit(20.7)).toBe(20);
    expect(clampLimit(10_000)).toBe(1000);
    expect(clampLimit(Number.NaN)).toBe(1000);
  });
});

describe('forged cursors', () => {
  const forged = (...key: unknown[]) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

  it('refuse a timestamp PostgreSQL would not read, though Date.parse does ("1": a 500 before)', () => {
    for (const stamp of ['1', '2024', 'Mon', '2024-01-01', '2024-01-01 00:00:00', '+275760-09-13T00:00:00.000Z']) {
      expect(() => decodeCursor('runs', forged('runs', stamp, 'x'), ['timestamp', 'string']), stamp).toThrow(InvalidCursorError);
    }
    expect(decodeCursor('runs', forged('runs', '2026-01-01T00:00:00.123Z', 'x'), ['timestamp', 'string'])).toEqual(['2026-01-01T00:00:00.123Z', 'x']);
  });

  it('refuse strings PostgreSQL text cannot hold (U+0000, lone surrogates) and unsafe numbers', () => {
    expect(() => decodeCursor('runs', forged('runs', '2026-01-01T00:00:00.000Z', 'a\u0000'), ['timestamp', 'string'])).toThrow(InvalidCursorError);
    expect(() => decodeCursor('definitions', forged('definitions', 'ns', '\uD800', 'id'), ['string', 'string', 'string'])).toThrow(InvalidCursorError);
    expect(() => decodeCursor('x', forged('x', 2 ** 60), ['number'])).toThrow(InvalidCursorError);
    expect(() => decodeCursor('x', `${encodeCursor('x', [1])}\u0000`, ['number'])).toThrow(InvalidCursorError);
  });
});
