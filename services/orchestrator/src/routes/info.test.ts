import { describe, expect, it } from 'vitest';
import { streamUrlFor } from './info.ts';

describe('streamUrlFor', () => {
  it('is the host the client used, on the fanout port', () => {
    expect(streamUrlFor({ port: 18485 }, { protocol: 'http', hostname: 'localhost' })).toBe('http://localhost:18485');
    expect(streamUrlFor({ port: 8085 }, { protocol: 'https', hostname: 'baton.example.com' })).toBe('https://baton.example.com:8085');
    expect(streamUrlFor({ port: 9000 }, { protocol: 'http', hostname: '[::1]' })).toBe('http://[::1]:9000');
  });

  it('is BATON_STREAM_PUBLIC_URL when configured', () => {
    expect(streamUrlFor({ port: 8085, publicUrl: 'wss://stream.example.com' }, { protocol: 'http', hostname: 'localhost' })).toBe('wss://stream.example.com');
  });

  it('falls back to localhost when the Host header names no host', () => {
    expect(streamUrlFor({ port: 8085 }, { protocol: 'http', hostname: 'a b' })).toBe('http://localhost:8085');
    expect(streamUrlFor({ port: 8085 }, { protocol: 'http', hostname: '' })).toBe('http://localhost:8085');
  });
});
