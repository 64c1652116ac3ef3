import { describe, expect, it } from 'vitest';
import { ConfigError } from '@baton/runtime';
import { agentRunnerOptionsFromEnv } from './options.ts';
import { costOf, parsePriceTable } from './prices.ts';

describe('price table', () => {
  it('prices a turn by the requested model, else the answering one, else not at all', () => {
    const prices = parsePriceTable('{"gpt-4o-mini": {"input": 0.15, "output": 0.6}, "gpt-4o-mini-2024-07-18": {"input": 1, "output": 1}}', 'AGENT_PRICES');
    expect(costOf(prices, ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'], 1_000_000, 500_000)).toBeCloseTo(0.45);
    expect(costOf(prices, ['alias', 'gpt-4o-mini-2024-07-18'], 1000, 1000)).toBeCloseTo(0.002);
    expect(costOf(prices, ['unknown'], 1000, 1000)).toBeUndefined();
  });

  it('explains a malformed table', () => {
    expect(() => parsePriceTable('{"m": {"input": -1}}', 'AGENT_PRICES')).toThrow(ConfigError);
    expect(() => parsePriceTable('{"m": {"input": -1}}', 'AGENT_PRICES')).toThrow(/m.input/);
    expect(() => parsePriceTable('not json', 'AGENT_PRICES')).toThrow(/not valid JSON/);
  });

  it('reads the environment, with defaults and NAME_FILE secrets', () => {
    const options = agentRunnerOptionsFromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', AGENT_PRICES: '{"m": {"input": 1, "output": 2}}', AGENT_MAX_RETRIES: '0' });
    expect(options).toMatchObject({ baseUrl: 'http://127.0.0.1:1/v1', maxRetries: 0, prices: { m: { input: 1, output: 2 } }, responseFormat: 'json_schema', tokenFlushMs: 30 });
    expect(options.apiKey).toBeUndefined();
    expect(() => agentRunnerOptionsFromEnv({ AGENT_RESPONSE_FORMAT: 'xml' })).toThrow(/AGENT_RESPONSE_FORMAT/);
    expect(() => agentRunnerOptionsFromEnv({ OPENAI_API_KEY_FILE: '/nonexistent/key' })).toThrow(/OPENAI_API_KEY_FILE/);
  });
});
