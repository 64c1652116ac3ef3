import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../errors.ts';
import { compileExpr, compileField, compileTemplate, evalTemplate, evaluateDeferred, isExpression } from './expressions.ts';
import { Fault } from './fault.ts';
import { withGrants } from '../secrets/grants.ts';

const vars: Record<string, unknown> = { context: { c: 1 } };
const resolve = (name: string) => vars[name];

describe('expressions', () => {
  it('recognises ${ } strings and lists the variables a source mentions', () => {
    expect(isExpression('${ .a }')).toBe(true);
    expect(isExpression('  ${.a}  ')).toBe(true);
    expect(isExpression('.a')).toBe(false);
    expect(isExpression('hello ${ .a }')).toBe(false);
    expect(compileExpr('$context.a + $item + $ENV.HOME').vars).toEqual(['context', 'item']);
    expect(compileField('${ .a }').src).toBe('.a');
    expect(compileField('.a > 1').src).toBe('.a > 1');
  });

  it('keeps constant templates as they are and evaluates nested expressions', () => {
    const constant = { a: [1, 'x'], b: { c: 'plain' } };
    expect(compileTemplate(constant)).toEqual({ k: 'const', v: constant });
    const template = compileTemplate({ a: '${ .n + 1 }', list: ['${ $context.c }', 'k'], deep: { v: '${ . }' } });
    expect(evalTemplate(template, { n: 1 }, resolve, { instance: '/do/0/x' })).toEqual({ a: 2, list: [1, 'k'], deep: { v: { n: 1 } } });
  });

  it('turns a jq failure into the spec expression error with the task as instance', () => {
    const run = () => evalTemplate(compileTemplate('${ .a | error("boom") }'), { a: 1 }, resolve, { instance: '/do/0/x' });
    expect(run).toThrow(Fault);
    try {
      run();
    } catch (error) {
      expect((error as Fault).error).toMatchObject({ type: ErrorTypes.expression, status: 400, instance: '/do/0/x' });
    }
  });

  it('defers expressions that use $secrets and resolves them later with evaluateDeferred', () => {
    const template = compileTemplate({ auth: '${ "Bearer " + $secrets.key }', plain: '${ .id }' });
    const payload = evalTemplate(template, { id: 7 }, resolve, { instance: '/x', defer: { input: { id: 7 }, context: { c: 1 } } });
    expect(payload).toEqual({ auth: { $deferred: '"Bearer " + $secrets.key', input: { id: 7 }, context: { c: 1 } }, plain: 7 });
    expect(evaluateDeferred(payload, withGrants({ key: 'K' }, { key: ['*'] }))).toEqual({ auth: 'Bearer K', plain: 7 });
    expect(evaluateDeferred([{ $deferred: '$context.c + .id', input: { id: 1 }, context: { c: 2 } }], {})).toEqual([3]);
  });
});
