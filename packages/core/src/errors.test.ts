import { describe, expect, it } from 'vitest';
import { BatonErrorTypes, ErrorTypes, sameErrorType, standardErrorKind } from './errors.ts';

describe('standard error types in their two spellings', () => {
  it('reads the kind of the spec text form and of the conformance scenarios form', () => {
    for (const kind of Object.keys(ErrorTypes)) {
      expect(standardErrorKind(`https://serverlessworkflow.io/spec/1.0.0/errors/${kind}`)).toBe(kind);
      expect(standardErrorKind(`https://serverlessworkflow.io/dsl/errors/types/${kind}`)).toBe(kind);
    }
  });

  it('knows no kind for other types, unknown kinds, or near misses', () => {
    for (const type of [
      BatonErrorTypes.limitExceeded,
      'https://serverlessworkflow.io/spec/1.0.0/errors/teapot',
      'https://serverlessworkflow.io/dsl/errors/types/',
      'https://serverlessworkflow.io/dsl/errors/types/communication/404',
      'https://serverlessworkflow.io/dsl/errors/typescommunication',
      'https://serverlessworkflow.io.io/dsl/errors/types/communication', // the typo of dsl-reference.md's try example
      'http://serverlessworkflow.io/spec/1.0.0/errors/timeout',
      'https://serverlessworkflow.io/spec/1.0.0/errors/constructor',
      'communication',
    ]) {
      expect(standardErrorKind(type), type).toBeUndefined();
    }
  });

  it('compares types: equal strings, or one standard kind in either spelling', () => {
    expect(sameErrorType(ErrorTypes.communication, 'https://serverlessworkflow.io/dsl/errors/types/communication')).toBe(true);
    expect(sameErrorType('https://serverlessworkflow.io/dsl/errors/types/timeout', ErrorTypes.timeout)).toBe(true);
    expect(sameErrorType('https://example.com/errors/x', 'https://example.com/errors/x')).toBe(true);
    expect(sameErrorType(ErrorTypes.communication, 'https://serverlessworkflow.io/dsl/errors/types/runtime')).toBe(false);
    expect(sameErrorType('https://example.com/errors/x', 'https://example.com/errors/y')).toBe(false);
    expect(sameErrorType('https://serverlessworkflow.io/spec/1.0.0/errors/teapot', 'https://serverlessworkflow.io/dsl/errors/types/teapot')).toBe(false);
  });
});
