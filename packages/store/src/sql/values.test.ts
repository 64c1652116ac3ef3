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
