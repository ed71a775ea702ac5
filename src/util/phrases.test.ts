import { describe, expect, it } from '@jest/globals';
import { counted } from './phrases.js';

describe('counted', () => {
  it('says one thing in the singular and every other count in the plural', () => {
    expect([0, 1, 2].map((n) => counted(n, 'MCP server'))).toEqual(['0 MCP servers', '1 MCP server', '2 MCP servers']);
    expect(counted(1, 'entry', 'entries')).toBe('1 entry');
  });
});
