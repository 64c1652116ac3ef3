import { describe, expect, it } from 'vitest';
import { RouteCatalog } from './route-kit.ts';

describe('RouteCatalog.methodsFor', () => {
  const catalog = new RouteCatalog();
  for (const [method, url] of [
    ['GET', '/api/v1/runs'],
    ['POST', '/api/v1/runs'],
    ['GET', '/api/v1/runs/:id'],
    ['POST', '/api/v1/runs/:id/cancel'],
  ] as const) {
    catalog.add({ method, url, summary: '', tag: 't', auth: 'user', responses: {} });
  }

  it('lists the methods of the routes a concrete path matches', () => {
    expect(catalog.methodsFor('/api/v1/runs')).toEqual(['GET', 'POST']);
    expect(catalog.methodsFor('/api/v1/runs/abc?x=1')).toEqual(['GET']);
    expect(catalog.methodsFor('/api/v1/runs/abc/cancel')).toEqual(['POST']);
  });

  it('matches nothing for other shapes', () => {
    expect(catalog.methodsFor('/api/v1/runs/abc/cancel/x')).toEqual([]);
    expect(catalog.methodsFor('/api/v2/runs')).toEqual([]);
    expect(catalog.methodsFor('//api/v1/runs')).toEqual([]);
    expect(catalog.methodsFor('/api/v1/runs/')).toEqual([]);
  });
});
