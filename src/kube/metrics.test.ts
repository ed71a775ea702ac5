import { describe, expect, it } from '@jest/globals';
import { register } from 'prom-client';
import { boundedLabel, OTHER_LABEL, workqueueMetrics } from './metrics.js';
import { WorkQueue } from './workqueue.js';

describe('controller-runtime metric names', () => {
  it('a work queue reports client-go workqueue_* series labelled by controller', async () => {
    const q = new WorkQueue({ metrics: workqueueMetrics('metrics-test') });
    q.add('a');
    q.add('a'); // deduplicated: one add
    q.add('b');
    const key = await q.get();
    q.addRateLimited('c');
    const text = await register.metrics();
    expect(text).toContain('workqueue_adds_total{controller="metrics-test",name="metrics-test"} 2');
    expect(text).toContain('workqueue_depth{controller="metrics-test",name="metrics-test"} 1');
    expect(text).toContain('workqueue_retries_total{controller="metrics-test",name="metrics-test"} 1');
    expect(text).toMatch(/workqueue_queue_duration_seconds_count\{controller="metrics-test",name="metrics-test"\} 1/);
    expect(text).toMatch(/workqueue_longest_running_processor_seconds\{controller="metrics-test",name="metrics-test"\} [0-9.e-]+/);
    expect(text).toMatch(/workqueue_unfinished_work_seconds\{controller="metrics-test",name="metrics-test"\}/);
    q.done(key!);
    const after = await register.metrics();
    expect(after).toMatch(/workqueue_work_duration_seconds_count\{controller="metrics-test",name="metrics-test"\} 1/);
    await q.shutdown();
  });

  it('bounds client-sent label values to the configured set plus "other"', () => {
    const models = new Set(['gpt-4o', 'qwen-max']);
    expect(boundedLabel('gpt-4o', models)).toBe('gpt-4o');
    expect(boundedLabel('x'.repeat(10_000), models)).toBe(OTHER_LABEL);
    expect(boundedLabel('gpt-4o\n{evil="1"}', models)).toBe(OTHER_LABEL);
    expect(boundedLabel(undefined, models)).toBe(OTHER_LABEL);
  });
});
