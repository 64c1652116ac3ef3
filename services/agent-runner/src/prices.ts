// The price table: model -> USD per 1M prompt (input) and completion (output) tokens.
//   AGENT_PRICES='{"gpt-4o-mini": {"input": 0.15, "output": 0.6}}'   (or AGENT_PRICES_FILE=/path.json)
import { ConfigError } from '@baton/runtime';
import { z } from 'zod';

export type PriceTable = Record<string, { input: number; output: number }>;

const PriceTableSchema = z.record(z.string().min(1), z.object({ input: z.number().min(0), output: z.number().min(0) }).strict());

export function parsePriceTable(text: string | undefined, source: string): PriceTable {
  if (text === undefined || text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = PriceTableSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ConfigError(`${source} must map model names to {"input": USD per 1M tokens, "output": USD per 1M tokens}: ${problems}`);
  }
  return parsed.data;
}

/** Cost of a turn, or undefined when neither the requested nor the answering model has a price. */
export function costOf(prices: PriceTable, models: string[], promptTokens: number, completionTokens: number): number | undefined {
  const price = models.map((model) => prices[model]).find((p) => p !== undefined);
  if (price === undefined) return undefined;
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}
