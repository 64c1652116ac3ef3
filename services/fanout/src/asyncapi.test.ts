import { describe, expect, it } from 'vitest';
import { asyncApiDocument } from './asyncapi.ts';

describe('asyncapi.json', () => {
  const document = JSON.parse(asyncApiDocument());

  it('is an AsyncAPI 3.0 document whose every $ref resolves', () => {
    expect(document.asyncapi).toBe('3.0.0');
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(walk);
      if (value === null || typeof value !== 'object') return;
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string' && child.startsWith('#/')) refs.push(child);
        else walk(child);
      }
    };
    walk(document);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.slice(2).split('/').reduce<any>((node, part) => node?.[part], document);
      expect(target, ref).toBeDefined();
    }
  });

  it('generates the client message schema from the validator (unknown members refused)', () => {
    const payload = document.components.messages.clientMessage.payload;
    const subscribe = payload.anyOf[0];
    expect(subscribe.required).toEqual(['subscribe']);
    expect(subscribe.additionalProperties).toBe(false);
    const run = subscribe.properties.subscribe.anyOf[0];
    expect(run.properties.after).toMatchObject({ type: 'integer', minimum: 0 });
  });
});
