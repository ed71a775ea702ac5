import { byCodeUnit } from './order.js';

describe('byCodeUnit', () => {
  it('orders Kubernetes names (lowercase DNS labels, dots, hyphens, digits) as localeCompare does', () => {
    const names = ['llm-b.internal.dns', 'llm-a-1.internal.static', 'llm-a.internal.dns', 'ai-route-9', 'ai-route-10', 'a-b', 'a.b', 'a0', 'ab', 'a'];
    expect([...names].sort(byCodeUnit)).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('is a consistent comparator', () => {
    expect(byCodeUnit('a', 'a')).toBe(0);
    expect(byCodeUnit('a', 'b')).toBe(-1);
    expect(byCodeUnit('b', 'a')).toBe(1);
  });
});
