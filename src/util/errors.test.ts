import { describe, expect, it } from '@jest/globals';
import { errorMessage, ReasonError } from './errors.js';

class StoreFailure extends ReasonError<'StoreDown' | 'StoreFull'> {}

describe('ReasonError', () => {
  it('carries its reason and names itself after the subclass', () => {
    const err = new StoreFailure('StoreFull', 'disk full', { cause: new Error('ENOSPC') });
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.reason, err.message]).toEqual(['StoreFailure', 'StoreFull', 'disk full']);
    expect((err.cause as Error).message).toBe('ENOSPC');
  });
  it('errorMessage reads anything thrown', () => {
    expect(errorMessage(new StoreFailure('StoreDown', 'down'))).toBe('down');
    expect(errorMessage('plain')).toBe('plain');
  });
});
